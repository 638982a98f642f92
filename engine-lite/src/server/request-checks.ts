/** Checks of request bodies and queries: each failure is a 400 that names the field and what it takes. */
import { ApiError } from './api-error.js';

const bad = (field: string, takes: string): ApiError =>
  new ApiError(400, 'invalid-request', `"${field}" ${takes}`, 'see GET /v1/openapi.json');

export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}

export function optString(o: Record<string, unknown>, key: string, max = 1024): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max) throw bad(key, `must be a string of at most ${max} characters`);
  return v;
}

export function optInt(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(key, `must be an integer from ${min} to ${max}`);
  return v;
}

export function optBool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(key, 'must be true or false');
  return v;
}

export function optStringMap(o: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw bad(key, 'must be an object of strings, e.g. {"NAME": "value"}');
  return v as Record<string, string>;
}

export function optParams(
  o: Record<string, unknown>,
  key: string,
): Record<string, string | number | boolean> | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const ok = (x: unknown) => ['string', 'number', 'boolean'].includes(typeof x);
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every(ok))
    throw bad(key, 'must be an object of strings, numbers or booleans, e.g. {"env": "staging"}');
  return v as Record<string, string | number | boolean>;
}

export function queryLimit(value: string | undefined): number {
  if (value === undefined) return 50;
  const n = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 500))
    throw new ApiError(400, 'invalid-query', '"limit" must be an integer from 1 to 500', 'for example ?limit=50');
  return n;
}
