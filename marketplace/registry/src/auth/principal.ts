/**
 * Who is asking, and what they may do. Roles are granted per org (`acme`), per project
 * (`acme/payments`, where the org role also applies) and per personal scope (`~alice`, owned by
 * alice alone). Grants to the user `*` make a scope readable by everyone; `caravan` (built-ins) is
 * readable by everyone and writable only by admins. A token narrows its user's rights further:
 * to its scope prefixes and to `read` or `publish`.
 */
import { RegistryError } from '../errors.js';
import { RESERVED_ORG, scopeCovers } from '../names.js';
import type { Access, GrantRecord, Role } from '../store/types.js';

export const EVERYONE = '*';

export interface Principal {
  /** Empty for an anonymous request. */
  user: string;
  admin: boolean;
  tokenId: string;
  access: Access;
  tokenScopes: string[];
  /** The user's grants plus the grants to everyone. */
  grants: GrantRecord[];
}

export function anonymous(publicGrants: GrantRecord[]): Principal {
  return { user: '', admin: false, tokenId: '', access: 'read', tokenScopes: ['*'], grants: publicGrants };
}

const RANK: Record<Role, number> = { reader: 1, publisher: 2, owner: 3 };

/** The strongest role the principal's user holds over a scope, ignoring the token's limits. */
export function roleIn(p: Principal, scope: string): Role | undefined {
  if (p.admin) return 'owner';
  if (scope.startsWith('~')) {
    if (p.user !== '' && scope === `~${p.user}`) return 'owner';
    return p.grants.some((g) => g.scope === scope) ? 'reader' : undefined;
  }
  const org = scope.split('/')[0] ?? scope;
  if (org === RESERVED_ORG) return 'reader';
  let best: Role | undefined;
  for (const g of p.grants) {
    if (g.scope !== org && g.scope !== scope) continue;
    const role = g.user === EVERYONE ? 'reader' : g.role;
    if (!best || RANK[role] > RANK[best]) best = role;
  }
  return best;
}

function tokenAllows(p: Principal, scope: string): boolean {
  return p.tokenScopes.some((entry) => scopeCovers(entry, scope));
}

export function requireRead(p: Principal, scope: string): void {
  if (roleIn(p, scope) && tokenAllows(p, scope)) return;
  if (p.user === '') {
    throw new RegistryError(
      401,
      'unauthenticated',
      `scope "${scope}" is private`,
      'send a token with read access to it: Authorization: Bearer <token>',
    );
  }
  if (!tokenAllows(p, scope)) {
    throw new RegistryError(
      403,
      'token-scope',
      `this token is limited to ${p.tokenScopes.join(', ')} and cannot read "${scope}"`,
      'create a token that covers this scope',
    );
  }
  throw new RegistryError(
    403,
    'forbidden',
    `user "${p.user}" has no role in scope "${scope}"`,
    `ask an owner of "${scope}" for a reader role`,
  );
}

export function requireRole(p: Principal, scope: string, needed: 'publisher' | 'owner', what: string): void {
  if (p.user === '') {
    throw new RegistryError(
      401,
      'unauthenticated',
      `${what} needs a token`,
      'send Authorization: Bearer <token> (caravan login, or CARAVAN_TOKEN)',
    );
  }
  if (p.access !== 'publish') {
    throw new RegistryError(
      403,
      'token-read-only',
      `this token is read-only and cannot ${what}`,
      'create a token with access "publish"',
    );
  }
  if (!tokenAllows(p, scope)) {
    throw new RegistryError(
      403,
      'token-scope',
      `this token is limited to ${p.tokenScopes.join(', ')} and cannot ${what} in "${scope}"`,
      'create a token that covers this scope',
    );
  }
  const role = roleIn(p, scope);
  const builtin = (scope.split('/')[0] ?? '') === RESERVED_ORG;
  if (builtin && !p.admin) {
    throw new RegistryError(
      403,
      'reserved-scope',
      `scope "${RESERVED_ORG}" is reserved for built-in actions; only admins can ${what} there`,
      'publish under your org, project or ~user scope',
    );
  }
  if (!role || RANK[role] < RANK[needed]) {
    throw new RegistryError(
      403,
      'forbidden',
      `user "${p.user}" cannot ${what} in scope "${scope}": needs role ${needed}${role ? `, has ${role}` : ''}`,
      `ask an owner of "${scope}" to run: caravan registry grant ${p.user} ${scope} --role ${needed}`,
    );
  }
}

/** Owner-only reads (the audit log): the owner role, and a token of either access that covers the scope. */
export function requireOwnerRead(p: Principal, scope: string, what: string): void {
  if (p.user === '')
    throw new RegistryError(401, 'unauthenticated', `${what} needs a token`, 'send Authorization: Bearer <token>');
  if (!tokenAllows(p, scope)) {
    throw new RegistryError(
      403,
      'token-scope',
      `this token is limited to ${p.tokenScopes.join(', ')} and cannot ${what} of "${scope}"`,
      'create a token that covers this scope',
    );
  }
  if (roleIn(p, scope) !== 'owner' || (scope.split('/')[0] === RESERVED_ORG && !p.admin)) {
    throw new RegistryError(403, 'forbidden', `only owners of "${scope}" can ${what}`, `ask an owner of "${scope}"`);
  }
}
