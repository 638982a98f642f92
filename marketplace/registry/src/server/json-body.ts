import { RegistryError } from '../errors.js';

/**
 * fastify's JSON parser answers one vague error for a syntax error and for a `__proto__` key; this
 * one tells them apart. JSON.parse makes `__proto__` an own property (no pollution), and the key is
 * refused anyway so it never reaches a handler or the store. The walk is iterative: nesting depth
 * is bounded only by the body limit.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new RegistryError(400, 'empty-body', 'the JSON body is empty', 'send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new RegistryError(
      400,
      'malformed-json',
      'the body is not valid JSON',
      'send a JSON object with content-type application/json',
    );
  }
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    const forbidden = Object.hasOwn(v, '__proto__')
      ? '__proto__'
      : Object.hasOwn(v, 'constructor') && Object.hasOwn(Object(v.constructor), 'prototype')
        ? 'constructor.prototype'
        : undefined;
    if (forbidden !== undefined)
      throw new RegistryError(
        400,
        'forbidden-key',
        `the JSON body has a "${forbidden}" key`,
        'send only the properties the schema lists',
      );
    for (const child of Object.values(v)) stack.push(child);
  }
  return value;
}
