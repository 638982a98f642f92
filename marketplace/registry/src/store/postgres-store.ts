/**
 * The shared store: PostgreSQL through a `pg` Pool. Several registry processes may share one
 * database: each name's writes take a transaction-scoped advisory lock (so `latest` is recomputed
 * from a stable set of versions) and the (name, version) primary key rejects duplicates even so.
 */
import pg from 'pg';
import type {
  AuditEntry,
  GrantRecord,
  PublishOutcome,
  RegistryStore,
  Role,
  TokenRecord,
  UserRecord,
  VersionChange,
  VersionInfo,
  VersionRecord,
} from './types.js';
import { reconcileTags, type TagRow } from './latest.js';
import { toAudit, toInfo, toToken, toVersion, type AuditRow, type TokenRow, type VersionRow } from './rows.js';
import { POSTGRES_MIGRATIONS } from './postgres-schema.js';
import { FreshRead } from './fresh-read.js';
import { PostgresCatalog } from './postgres-catalog.js';
import type { CatalogResult, CatalogStoreQuery, ReadableScopes, ResolutionCount } from './catalog-types.js';

const MIGRATION_LOCK = 0x63617276; // "carv"
const UNIQUE_VIOLATION = '23505';

const AUDIT_INSERT =
  'INSERT INTO audit (at, "user", token_id, action, target, scope, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)';
function auditArgs(a: AuditEntry): string[] {
  return [a.at, a.user, a.tokenId, a.action, a.target, a.scope, a.detail];
}

export interface PostgresStoreOptions {
  url: string;
  /** A schema to create and use instead of `public` (tests give each run its own). */
  schema?: string;
  max?: number;
}

export class PostgresStore implements RegistryStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly snapshot: FreshRead<string>;
  private readonly catalog: PostgresCatalog;

  constructor(private readonly options: PostgresStoreOptions) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`invalid PostgreSQL schema name "${options.schema}": use lower-case letters, digits and "_"`);
    }
    const config = {
      connectionString: options.url,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    };
    this.pool = new pg.Pool({ ...config, max: options.max ?? 10 });
    this.catalog = new PostgresCatalog(this.pool);
    this.snapshot = new FreshRead(async () => {
      const r = await this.pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
      return r.rows[0]?.s ?? '';
    });
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  private async tx<T>(lockKey: string | undefined, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (lockKey !== undefined)
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`caravan:${lockKey}`]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        // Under the lock: two CREATE SCHEMA IF NOT EXISTS at once can both try to create it.
        if (this.options.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.options.schema}`);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
        );
        const done = new Set(
          (await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id),
        );
        for (const [i, sql] of POSTGRES_MIGRATIONS.entries()) {
          if (done.has(i + 1)) continue;
          await client.query('BEGIN');
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [
            i + 1,
            new Date().toISOString(),
          ]);
          await client.query('COMMIT');
        }
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /**
   * The database's current snapshot (`xmin:xmax:in-progress ids`), read after the caller asked.
   * Two equal snapshots see exactly the same committed data, and any commit, by any process,
   * changes the next one: so a cache keyed by it is never stale, with no write-side cost.
   */
  changeEpoch(): Promise<string> {
    return this.snapshot.get();
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async addUser(user: UserRecord, audit: AuditEntry): Promise<boolean> {
    return this.tx(undefined, async (c) => {
      const r = await c.query(
        'INSERT INTO users (name, admin, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
        [user.name, user.admin, user.createdAt],
      );
      if (r.rowCount === 1) await c.query(AUDIT_INSERT, auditArgs(audit));
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
    await this.tx(undefined, async (c) => {
      if (role === null) await c.query('DELETE FROM grants WHERE "user" = $1 AND scope = $2', [user, scope]);
      else
        await c.query(
          'INSERT INTO grants ("user", scope, role) VALUES ($1, $2, $3) ON CONFLICT ("user", scope) DO UPDATE SET role = excluded.role',
          [user, scope, role],
        );
      await c.query(AUDIT_INSERT, auditArgs(audit));
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
    await this.tx(undefined, async (c) => {
      await c.query(
        'INSERT INTO tokens (id, "user", hash, scopes, access, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [t.id, t.user, t.hash, JSON.stringify(t.scopes), t.access, t.createdAt],
      );
      await c.query(AUDIT_INSERT, auditArgs(audit));
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
    return this.tx(undefined, async (c) => {
      const r = await c.query('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      if (r.rowCount === 1) await c.query(AUDIT_INSERT, auditArgs(audit));
      return r.rowCount === 1;
    });
  }

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
      return await this.tx(v.name, async (c): Promise<PublishOutcome> => {
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
        await c.query(AUDIT_INSERT, auditArgs(audit));
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
    return this.tx(name, async (c) => {
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
      await c.query(AUDIT_INSERT, auditArgs(audit));
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
    return this.tx(name, async (c) => {
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
      await c.query(AUDIT_INSERT, auditArgs(audit));
      return true;
    });
  }

  async catalogSearch(q: CatalogStoreQuery): Promise<CatalogResult> {
    return this.catalog.search(q);
  }

  async catalogCategories(readable: ReadableScopes): Promise<{ category: string; count: number }[]> {
    return this.catalog.categories(readable);
  }

  async addResolutions(counts: ResolutionCount[]): Promise<void> {
    await this.catalog.addResolutions(counts);
  }

  async resolutionsSince(name: string, since: string): Promise<number> {
    return this.catalog.resolutionsSince(name, since);
  }

  async audit(scope: string, limit: number): Promise<AuditEntry[]> {
    const rows = (
      await this.pool.query<AuditRow>(
        'SELECT at, "user", token_id, action, target, scope, detail FROM audit WHERE scope = $1 OR starts_with(scope, $2) ORDER BY id DESC LIMIT $3',
        [scope, `${scope}/`, limit],
      )
    ).rows;
    return rows.map(toAudit);
  }

  async blobInUse(sha256: string): Promise<boolean> {
    return (
      ((await this.pool.query('SELECT 1 FROM versions WHERE sha256 = $1 AND deleted_at IS NULL LIMIT 1', [sha256]))
        .rowCount ?? 0) > 0
    );
  }

  /** Drops the schema this store was given (tests only). */
  async dropSchema(): Promise<void> {
    if (this.options.schema) await this.pool.query(`DROP SCHEMA IF EXISTS ${this.options.schema} CASCADE`);
  }
}
