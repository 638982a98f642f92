/** Who sends a request: the principal behind an Authorization header, cached per store epoch. */
import { anonymous, EVERYONE, type Principal } from '../auth/principal.js';
import { bearerToken, hashToken } from '../auth/tokens.js';
import { RegistryError } from '../errors.js';
import { EpochCache } from '../read-cache.js';
import type { Access, RegistryStore } from '../store/types.js';

/** What `GET /v1/whoami` answers. */
export interface WhoamiAnswer {
  user: string | null;
  admin: boolean;
  scopes: string[];
  access: Access;
  tokenId: string | null;
  grants: { scope: string; role: string }[];
}

export class Principals {
  private readonly cache = new EpochCache<Principal>();

  constructor(private readonly store: RegistryStore) {}

  async of(authorization: string | undefined): Promise<Principal> {
    const epoch = await this.store.changeEpoch();
    const key = authorization === undefined ? '' : hashToken(authorization);
    const hit = this.cache.get(key, epoch);
    if (hit) return hit;
    const p = await this.load(authorization);
    this.cache.set(key, epoch, p);
    return p;
  }

  private async load(authorization: string | undefined): Promise<Principal> {
    const publicGrants = await this.store.grantsFor(EVERYONE);
    const token = bearerToken(authorization);
    if (authorization !== undefined && token === undefined) {
      throw new RegistryError(
        401,
        'bad-authorization',
        'the Authorization header is not "Bearer <token>"',
        'send Authorization: Bearer <token>',
      );
    }
    if (token === undefined) return anonymous(publicGrants);
    const record = await this.store.tokenByHash(hashToken(token));
    if (!record || record.revokedAt) {
      throw new RegistryError(
        401,
        'bad-token',
        record ? 'this token was revoked' : 'this token is not known to the registry',
        'log in again (caravan login) or ask an admin for a new token',
      );
    }
    const user = await this.store.getUser(record.user);
    if (!user)
      throw new RegistryError(
        401,
        'bad-token',
        'the user of this token no longer exists',
        'ask an admin for a new token',
      );
    const grants = [...(await this.store.grantsFor(user.name)), ...publicGrants];
    return {
      user: user.name,
      admin: user.admin,
      tokenId: record.id,
      access: record.access,
      tokenScopes: record.scopes,
      grants,
    };
  }
}

export function whoamiOf(p: Principal): WhoamiAnswer {
  return {
    user: p.user === '' ? null : p.user,
    admin: p.admin,
    scopes: p.tokenScopes,
    access: p.access,
    tokenId: p.tokenId === '' ? null : p.tokenId,
    grants: p.grants.filter((g) => g.user === p.user).map((g) => ({ scope: g.scope, role: g.role })),
  };
}
