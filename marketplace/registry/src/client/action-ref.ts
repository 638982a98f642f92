import { parseActionName } from '../names.js';
import { checkedLocally, InvalidActionNameError } from './client-errors.js';

export interface ActionRef {
  name: string;
  /** Exact version, semver range, dist-tag or `sha512-…`; `latest` when the reference has no `@`. */
  range: string;
}

/** `acme/lint@^1.2` → `{ name: 'acme/lint', range: '^1.2' }`; `acme/lint` → range `latest`. */
export function parseActionRef(ref: string): ActionRef {
  const text = ref.trim();
  const at = text.indexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const range = at === -1 ? 'latest' : text.slice(at + 1).trim();
  checkedLocally(() => parseActionName(name));
  if (range === '') {
    throw new InvalidActionNameError(
      `"${text.slice(0, 200)}" has nothing after "@": write scope/name@RANGE, e.g. acme/lint@^1.2, or drop the "@" for latest`,
    );
  }
  return { name, range };
}
