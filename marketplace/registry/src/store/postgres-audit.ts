/** The audit log in PostgreSQL: written in the transaction of the change it records. */
import type pg from 'pg';
import { toAudit, type AuditRow } from './rows.js';
import type { AuditEntry } from './types.js';

const AUDIT_INSERT =
  'INSERT INTO audit (at, "user", token_id, action, target, scope, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)';

export async function insertAudit(c: pg.PoolClient, a: AuditEntry): Promise<void> {
  await c.query(AUDIT_INSERT, [a.at, a.user, a.tokenId, a.action, a.target, a.scope, a.detail]);
}

/** The newest `limit` entries of `scope` and the scopes under it. */
export async function readAudit(pool: pg.Pool, scope: string, limit: number): Promise<AuditEntry[]> {
  const rows = (
    await pool.query<AuditRow>(
      'SELECT at, "user", token_id, action, target, scope, detail FROM audit WHERE scope = $1 OR starts_with(scope, $2) ORDER BY id DESC LIMIT $3',
      [scope, `${scope}/`, limit],
    )
  ).rows;
  return rows.map(toAudit);
}
