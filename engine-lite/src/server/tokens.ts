/** API tokens: random, shown once, stored as sha256; a role each (viewer < runner < admin). */
import { createHash, randomBytes } from 'node:crypto';
import type { Role, ServerStore } from './server-store.js';
import { ROLES } from './server-store.js';

export function tokenSha(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Creates a token and returns it in clear: the only time it is seen. */
export function createToken(store: ServerStore, name: string, role: string, now = Date.now()): string {
  if (!NAME.test(name))
    throw new Error(`token name "${name.slice(0, 70)}" is invalid: use letters, digits, . _ - (at most 64)`);
  if (!isRole(role)) throw new Error(`role "${role}" is unknown: use one of ${ROLES.join(', ')}`);
  if (store.hasToken(name))
    throw new Error(`a token named "${name}" exists already: pick another name (revoked names stay taken)`);
  const token = `cvs_${randomBytes(24).toString('base64url')}`;
  store.addToken(name, role, tokenSha(token), now);
  return token;
}
