import semver from 'semver';
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

/**
 * `acme/lint@1.2.0` → `{ name: 'acme/lint', version: '1.2.0' }`: one exact version of one action,
 * as the lifecycle commands (deprecate, yank, unyank, delete, tag) take it. Anything else is an
 * `InvalidActionNameError` that says how to write it, before anything is sent.
 */
export function parseVersionRef(ref: string): { name: string; version: string } {
  const text = ref.trim();
  const at = text.indexOf('@');
  if (at <= 0 || at === text.length - 1)
    throw new InvalidActionNameError(`"${text.slice(0, 200)}" is not NAME@VERSION: write it like acme/lint@1.2.0`);
  const name = text.slice(0, at);
  const version = text.slice(at + 1).trim();
  checkedLocally(() => parseActionName(name));
  if (semver.valid(version) !== version)
    throw new InvalidActionNameError(
      `"${text.slice(0, 200)}" does not name one exact version: write NAME@VERSION with a version like 1.2.0 or 2.0.0-rc.1`,
    );
  return { name, version };
}
