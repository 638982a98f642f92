/**
 * The scopes a reader may read, as one list the store can filter by inside its query: the same
 * rule as `requireRead` (roles from the reader's grants and the public `*` grants, `caravan` for
 * everyone, `~user` for its owner), intersected with the token's scope prefixes.
 */
import type { Principal } from '../auth/principal.js';
import { RESERVED_ORG, scopeCovers } from '../names.js';
import type { ReadableScopes } from '../store/catalog-types.js';

/** The scopes the principal's user may read, before the token narrows them; `undefined`: all (admin). */
function granted(p: Principal): string[] | undefined {
  if (p.admin) return undefined;
  const scopes = new Set<string>([RESERVED_ORG]);
  if (p.user !== '') scopes.add(`~${p.user}`);
  for (const g of p.grants) scopes.add(g.scope);
  return [...scopes];
}

export function readableScopes(p: Principal): ReadableScopes {
  const mine = granted(p);
  const token = p.tokenScopes.includes('*') ? undefined : p.tokenScopes;
  if (mine === undefined) return token === undefined ? { all: true } : { all: false, scopes: [...token] };
  if (token === undefined) return { all: false, scopes: mine };
  const both = new Set<string>();
  for (const g of mine) {
    for (const t of token) {
      if (scopeCovers(t, g)) both.add(g);
      else if (scopeCovers(g, t)) both.add(t);
    }
  }
  return { all: false, scopes: [...both] };
}

/** Whether `scope` is one the list lets the reader read (an org entry covers its projects). */
export function canRead(readable: ReadableScopes, scope: string): boolean {
  return readable.all || readable.scopes.some((s) => scopeCovers(s, scope));
}
