/** API tokens: created by a token holder within their own scopes, revoked by their user or an admin. */
import type { Principal } from '../auth/principal.js';
import { newToken } from '../auth/tokens.js';
import { RegistryError } from '../errors.js';
import { parseScope, scopeCovers } from '../names.js';
import type { Access, RegistryStore } from '../store/types.js';
import { auditEntry } from './audit-entry.js';

export async function createToken(
  store: RegistryStore,
  p: Principal,
  scopes: string[],
  access: Access,
): Promise<{ id: string; token: string }> {
  if (p.user === '')
    throw new RegistryError(
      401,
      'unauthenticated',
      'creating a token needs a token',
      'send Authorization: Bearer <token>',
    );
  for (const s of scopes) if (s !== '*') parseScope(s);
  if (access === 'publish' && p.access !== 'publish') {
    throw new RegistryError(
      403,
      'token-read-only',
      'a read-only token cannot create a publish token',
      'use a token with access "publish"',
    );
  }
  const outside = scopes.filter((s) => !p.tokenScopes.some((e) => e === '*' || (s !== '*' && scopeCovers(e, s))));
  if (outside.length > 0) {
    throw new RegistryError(
      403,
      'token-scope',
      `this token (scopes ${p.tokenScopes.join(', ')}) cannot create a token for ${outside.join(', ')}`,
      'ask for scopes within your own token',
    );
  }
  return issueToken(store, p.user, scopes, access, { user: p.user, tokenId: p.tokenId });
}

export async function revokeToken(store: RegistryStore, p: Principal, id: string): Promise<void> {
  if (p.user === '')
    throw new RegistryError(
      401,
      'unauthenticated',
      'revoking a token needs a token',
      'send Authorization: Bearer <token>',
    );
  const t = await store.getToken(id);
  if (!t || (t.user !== p.user && !p.admin))
    throw new RegistryError(
      404,
      'not-found',
      `no token "${id.slice(0, 60)}" of yours exists`,
      'list your tokens with caravan registry token list',
    );
  await store.revokeToken(id, new Date().toISOString(), auditEntry(p, 'token-revoke', id, '', t.user));
}

/** Creates a token for a user and records who created it; returns the token, shown once. */
export async function issueToken(
  store: RegistryStore,
  user: string,
  scopes: string[],
  access: Access,
  by: { user: string; tokenId: string },
): Promise<{ id: string; token: string }> {
  const { id, token, hash } = newToken();
  const at = new Date().toISOString();
  await store.addToken(
    { id, user, hash, scopes, access, createdAt: at },
    {
      at,
      user: by.user,
      tokenId: by.tokenId,
      action: 'token-create',
      target: id,
      scope: '',
      detail: `for ${user}: ${access} ${scopes.join(',')}`,
    },
  );
  return { id, token };
}
