/**
 * Versions and dist-tags in PostgreSQL. Each name's writes take a transaction-scoped advisory lock,
 * so `latest` is recomputed from a stable set of versions, and refresh the name's catalog row.
 */
import type pg from 'pg';
import { reconcileTags, type TagRow } from './latest.js';
import { insertAudit } from './postgres-audit.js';
import type { PostgresCatalog } from './postgres-catalog.js';
import { inTransaction } from './postgres-transaction.js';
import { toInfo, toVersion, type VersionRow } from './rows.js';
import type { AuditEntry, PublishOutcome, VersionChange, VersionInfo, VersionRecord } from './types.js';

const UNIQUE_VIOLATION = '23505';

export class PostgresVersions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly catalog: PostgresCatalog,
  ) {}

  private async reconcile(c: pg.PoolClient, name: string): Promise<void> {
    const versions = (
      await c.query<{ version: string; yanked: boolean; deleted_at: string | null }>(
        'SELECT version, yanked, deleted_at FROM versions WHERE name = $1',
        [name],
      )
    ).rows.map((r) => ({ version: r.version, yanked: r.yanked, deleted: r.deleted_at !== null }));
    const tags: TagRow[] = (
      await c.query<TagRow>('SELECT tag, version, explicit FROM dist_tags WHERE name = $1', [name])
    ).rows;
    const { set, remove } = reconcileTags(versions, tags);
    for (const tag of remove) await c.query('DELETE FROM dist_tags WHERE name = $1 AND tag = $2', [name, tag]);
    for (const t of set) {
      await c.query(
        'INSERT INTO dist_tags (name, tag, version, explicit) VALUES ($1, $2, $3, $4) ON CONFLICT (name, tag) DO UPDATE SET version = excluded.version, explicit = excluded.explicit',
        [name, t.tag, t.version, t.explicit],
      );
    }
    await this.catalog.refresh(c, name);
  }

  async publish(v: VersionRecord, audit: AuditEntry): Promise<PublishOutcome> {
    try {
      return await inTransaction(this.pool, v.name, async (c): Promise<PublishOutcome> => {
        const existing = (
          await c.query<{ deleted_at: string | null }>(
            'SELECT deleted_at FROM versions WHERE name = $1 AND version = $2',
            [v.name, v.version],
          )
        ).rows[0];
        if (existing) return existing.deleted_at === null ? 'exists' : 'tombstone';
        await c.query(
          `INSERT INTO versions (name, version, integrity, sha256, size, spec, readme, description, category, scope, published_at,
          publisher, token_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            v.name,
            v.version,
            v.integrity,
            v.sha256,
            v.size,
            v.spec,
            v.readme ?? null,
            v.description,
            v.category ?? null,
            v.scope,
            v.publishedAt,
            v.publisher,
            v.tokenId,
          ],
        );
        await this.reconcile(c, v.name);
        await insertAudit(c, audit);
        return 'created';
      });
    } catch (err) {
      // The advisory lock makes this rare, but the primary key is the last word on duplicates.
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        const again = await this.getVersion(v.name, v.version);
        return again?.deletedAt ? 'tombstone' : 'exists';
      }
      throw err;
    }
  }

  async listVersions(name: string): Promise<VersionInfo[]> {
    const text =
      "SELECT name, version, integrity, sha256, size, '' AS spec, NULL AS readme, description, category, scope, published_at, publisher, token_id, deprecated, yanked, deleted_at FROM versions WHERE name = $1";
    return (await this.pool.query<VersionRow>({ name: 'list-versions', text, values: [name] })).rows.map(toInfo);
  }

  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const row = (
      await this.pool.query<VersionRow>({
        name: 'get-version',
        text: 'SELECT * FROM versions WHERE name = $1 AND version = $2',
        values: [name, version],
      })
    ).rows[0];
    return row && toVersion(row);
  }

  async changeVersion(name: string, version: string, change: VersionChange, audit: AuditEntry): Promise<boolean> {
    return inTransaction(this.pool, name, async (c) => {
      let changed = 0;
      const where = 'WHERE name = $2 AND version = $3 AND deleted_at IS NULL';
      if (change.deprecated !== undefined)
        changed +=
          (await c.query(`UPDATE versions SET deprecated = $1 ${where}`, [change.deprecated, name, version]))
            .rowCount ?? 0;
      if (change.yanked !== undefined)
        changed +=
          (await c.query(`UPDATE versions SET yanked = $1 ${where}`, [change.yanked, name, version])).rowCount ?? 0;
      if (change.delete)
        changed +=
          (await c.query(`UPDATE versions SET deleted_at = $1 ${where}`, [audit.at, name, version])).rowCount ?? 0;
      if (changed === 0) return false;
      await this.reconcile(c, name);
      await insertAudit(c, audit);
      return true;
    });
  }

  async distTags(name: string): Promise<Record<string, string>> {
    const rows = (
      await this.pool.query<{ tag: string; version: string }>({
        name: 'dist-tags',
        text: 'SELECT tag, version FROM dist_tags WHERE name = $1',
        values: [name],
      })
    ).rows;
    return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
  }

  async setDistTag(name: string, tag: string, version: string, audit: AuditEntry): Promise<boolean> {
    return inTransaction(this.pool, name, async (c) => {
      const live =
        (
          await c.query('SELECT 1 FROM versions WHERE name = $1 AND version = $2 AND deleted_at IS NULL', [
            name,
            version,
          ])
        ).rowCount === 1;
      if (!live) return false;
      await c.query(
        'INSERT INTO dist_tags (name, tag, version, explicit) VALUES ($1, $2, $3, true) ON CONFLICT (name, tag) DO UPDATE SET version = excluded.version, explicit = true',
        [name, tag, version],
      );
      await this.reconcile(c, name);
      await insertAudit(c, audit);
      return true;
    });
  }

  async blobInUse(sha256: string): Promise<boolean> {
    return (
      ((await this.pool.query('SELECT 1 FROM versions WHERE sha256 = $1 AND deleted_at IS NULL LIMIT 1', [sha256]))
        .rowCount ?? 0) > 0
    );
  }
}
