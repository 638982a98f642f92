/** A route's query parameters: the keys it knows, each given once, each value checked by its rule. */
import { RegistryError } from '../errors.js';
import { parseScope } from '../names.js';

/** Checks one query value; throws a RegistryError (400 invalid-query) when it is not acceptable. */
export type QueryRule = (value: string, key: string) => void;

function invalidQuery(message: string, hint: string): RegistryError {
  return new RegistryError(400, 'invalid-query', message, hint);
}

export const queryRules = {
  text: (): QueryRule => () => undefined,
  flag: (): QueryRule => (value, key) => {
    if (!['true', 'false', '1', '0'].includes(value))
      throw invalidQuery(`"${key}" must be true, false, 1 or 0`, `for example ?${key}=true, or leave it out`);
  },
  integer:
    (min: number, max: number, example: number): QueryRule =>
    (value, key) => {
      const n = /^[0-9]{1,7}$/.test(value) ? Number(value) : NaN;
      if (!(n >= min && n <= max))
        throw invalidQuery(`"${key}" must be an integer from ${min} to ${max}`, `for example ?${key}=${example}`);
    },
  scope: (): QueryRule => (value) => {
    parseScope(value);
  },
};

/** Parses a raw query string strictly: known keys only, each once, valid percent-encoding. */
export function checkQuery(url: string, rules: Record<string, QueryRule>): void {
  const at = url.indexOf('?');
  if (at < 0) return;
  const known = Object.keys(rules);
  const takes = known.length ? `this route takes ${known.map((k) => `?${k}=`).join(', ')}` : 'this route takes none';
  const seen = new Set<string>();
  for (const part of url.slice(at + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw invalidQuery('the query string has a malformed percent-encoding', 'encode each parameter with %XX');
    }
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (!rule) throw invalidQuery(`unknown query parameter "${key.slice(0, 60)}"`, takes);
    if (seen.has(key))
      throw invalidQuery(`query parameter "${key}" must be given once`, `send ?${key}=… a single time`);
    seen.add(key);
    rule(value, key);
  }
}
