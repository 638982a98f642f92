/** Users, grants and tokens in PostgreSQL; each change is written with its audit entry. */
import type pg from 'pg';
import { insertAudit } from './postgres-audit.js';
import { inTransaction } from './postgres-transaction.js';
import { toToken, type TokenRow } from './rows.js';
import type { AuditEntry, GrantRecord, Role, TokenRecord, UserRecord } from './types.js';

export class PostgresAccess {
  constructor(private readonly pool: pg.Pool) {}

  async addUser(user: UserRecord, audit: AuditEntry): Promise<boolean> {
    return inTransaction(this.pool, undefined, async (c) => {
      const r = await c.query(
        'INSERT INTO users (name, admin, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
        [user.name, user.admin, user.createdAt],
      );
      if (r.rowCount === 1) await insertAudit(c, audit);
      return r.rowCount === 1;
    });
  }

  async getUser(name: string): Promise<UserRecord | undefined> {
    const r = await this.pool.query<{ name: string; admin: boolean; created_at: string }>(
      'SELECT name, admin, created_at FROM users WHERE name = $1',
      [name],
    );
    const row = r.rows[0];
    return row && { name: row.name, admin: row.admin, createdAt: row.created_at };
  }

  async setGrant(user: string, scope: string, role: Role | null, audit: AuditEntry): Promise<void> {
    await inTransaction(this.pool, undefined, async (c) => {
      if (role === null) await c.query('DELETE FROM grants WHERE "user" = $1 AND scope = $2', [user, scope]);
      else
        await c.query(
          'INSERT INTO grants ("user", scope, role) VALUES ($1, $2, $3) ON CONFLICT ("user", scope) DO UPDATE SET role = excluded.role',
          [user, scope, role],
        );
      await insertAudit(c, audit);
    });
  }

  async grantsFor(user: string): Promise<GrantRecord[]> {
    return (
      await this.pool.query<GrantRecord>('SELECT "user", scope, role FROM grants WHERE "user" = $1 ORDER BY scope', [
        user,
      ])
    ).rows;
  }

  async addToken(t: TokenRecord, audit: AuditEntry): Promise<void> {
    await inTransaction(this.pool, undefined, async (c) => {
      await c.query(
        'INSERT INTO tokens (id, "user", hash, scopes, access, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [t.id, t.user, t.hash, JSON.stringify(t.scopes), t.access, t.createdAt],
      );
      await insertAudit(c, audit);
    });
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const row = (
      await this.pool.query<TokenRow>({
        name: 'token-by-hash',
        text: 'SELECT * FROM tokens WHERE hash = $1',
        values: [hash],
      })
    ).rows[0];
    return row && toToken(row);
  }

  async getToken(id: string): Promise<TokenRecord | undefined> {
    const row = (await this.pool.query<TokenRow>('SELECT * FROM tokens WHERE id = $1', [id])).rows[0];
    return row && toToken(row);
  }

  async revokeToken(id: string, at: string, audit: AuditEntry): Promise<boolean> {
    return inTransaction(this.pool, undefined, async (c) => {
      const r = await c.query('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      if (r.rowCount === 1) await insertAudit(c, audit);
      return r.rowCount === 1;
    });
  }
}
