/**
 * The shared store: PostgreSQL through a `pg` Pool. Several registry processes may share one
 * database: each name's writes take a transaction-scoped advisory lock (so `latest` is recomputed
 * from a stable set of versions) and the (name, version) primary key rejects duplicates even so.
 * The work is in postgres-access (users, grants, tokens), postgres-versions (versions, dist-tags),
 * postgres-catalog and postgres-audit; this class opens the pool and routes to them.
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
import { FreshRead } from './fresh-read.js';
import { PostgresAccess } from './postgres-access.js';
import { readAudit } from './postgres-audit.js';
import { PostgresCatalog } from './postgres-catalog.js';
import { migratePostgres } from './postgres-migrate.js';
import { PostgresVersions } from './postgres-versions.js';
import type { CatalogResult, CatalogStoreQuery, ReadableScopes, ResolutionCount } from './catalog-types.js';

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
  private readonly access: PostgresAccess;
  private readonly versions: PostgresVersions;

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
    this.access = new PostgresAccess(this.pool);
    this.versions = new PostgresVersions(this.pool, this.catalog);
    this.snapshot = new FreshRead(async () => {
      const r = await this.pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
      return r.rows[0]?.s ?? '';
    });
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  migrate(): Promise<void> {
    return migratePostgres(this.pool, this.options.schema);
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

  addUser(user: UserRecord, audit: AuditEntry): Promise<boolean> {
    return this.access.addUser(user, audit);
  }

  getUser(name: string): Promise<UserRecord | undefined> {
    return this.access.getUser(name);
  }

  setGrant(user: string, scope: string, role: Role | null, audit: AuditEntry): Promise<void> {
    return this.access.setGrant(user, scope, role, audit);
  }

  grantsFor(user: string): Promise<GrantRecord[]> {
    return this.access.grantsFor(user);
  }

  addToken(t: TokenRecord, audit: AuditEntry): Promise<void> {
    return this.access.addToken(t, audit);
  }

  tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return this.access.tokenByHash(hash);
  }

  getToken(id: string): Promise<TokenRecord | undefined> {
    return this.access.getToken(id);
  }

  revokeToken(id: string, at: string, audit: AuditEntry): Promise<boolean> {
    return this.access.revokeToken(id, at, audit);
  }

  publish(v: VersionRecord, audit: AuditEntry): Promise<PublishOutcome> {
    return this.versions.publish(v, audit);
  }

  listVersions(name: string): Promise<VersionInfo[]> {
    return this.versions.listVersions(name);
  }

  getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    return this.versions.getVersion(name, version);
  }

  changeVersion(name: string, version: string, change: VersionChange, audit: AuditEntry): Promise<boolean> {
    return this.versions.changeVersion(name, version, change, audit);
  }

  distTags(name: string): Promise<Record<string, string>> {
    return this.versions.distTags(name);
  }

  setDistTag(name: string, tag: string, version: string, audit: AuditEntry): Promise<boolean> {
    return this.versions.setDistTag(name, tag, version, audit);
  }

  blobInUse(sha256: string): Promise<boolean> {
    return this.versions.blobInUse(sha256);
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

  audit(scope: string, limit: number): Promise<AuditEntry[]> {
    return readAudit(this.pool, scope, limit);
  }

  /** Drops the schema this store was given (tests only). */
  async dropSchema(): Promise<void> {
    if (this.options.schema) await this.pool.query(`DROP SCHEMA IF EXISTS ${this.options.schema} CASCADE`);
  }
}
