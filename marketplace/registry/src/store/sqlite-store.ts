/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Writes use IMMEDIATE transactions, so
 * several processes on one file serialise on SQLite's write lock and the (name, version) primary key
 * stays the last word on duplicates.
 */
import Database from 'better-sqlite3';
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
import { SQLITE_MIGRATIONS } from './sqlite-schema.js';
import { SqliteCatalog } from './sqlite-catalog.js';
import type { CatalogResult, CatalogStoreQuery, ReadableScopes, ResolutionCount } from './catalog-types.js';

export class SqliteStore implements RegistryStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly catalog: SqliteCatalog;
  /** Writes through this object; part of changeEpoch so this process's own writes are seen at once. */
  private writes = 0;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.migrateNow();
    const db = this.db;
    this.catalog = new SqliteCatalog(db);
    this.stmts = {
      audit: db.prepare(
        'INSERT INTO audit (at, user, token_id, action, target, scope, detail) VALUES (@at, @user, @tokenId, @action, @target, @scope, @detail)',
      ),
      addUser: db.prepare('INSERT INTO users (name, admin, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      getUser: db.prepare<[string], { name: string; admin: number; created_at: string }>(
        'SELECT name, admin, created_at FROM users WHERE name = ?',
      ),
      setGrant: db.prepare(
        'INSERT INTO grants (user, scope, role) VALUES (?, ?, ?) ON CONFLICT (user, scope) DO UPDATE SET role = excluded.role',
      ),
      delGrant: db.prepare('DELETE FROM grants WHERE user = ? AND scope = ?'),
      grantsFor: db.prepare<[string], GrantRecord>(
        'SELECT user, scope, role FROM grants WHERE user = ? ORDER BY scope',
      ),
      addToken: db.prepare('INSERT INTO tokens (id, user, hash, scopes, access, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      tokenByHash: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?'),
      getToken: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?'),
      revokeToken: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      getVersion: db.prepare<[string, string], VersionRow>('SELECT * FROM versions WHERE name = ? AND version = ?'),
      listVersions: db.prepare<[string], VersionRow>(
        "SELECT name, version, integrity, sha256, size, '' AS spec, NULL AS readme, description, category, scope, published_at, publisher, token_id, deprecated, yanked, deleted_at FROM versions WHERE name = ?",
      ),
      insertVersion:
        db.prepare(`INSERT INTO versions (name, version, integrity, sha256, size, spec, readme, description, category, scope,
        published_at, publisher, token_id, deprecated, yanked, deleted_at) VALUES (@name, @version, @integrity, @sha256, @size, @spec, @readme,
        @description, @category, @scope, @publishedAt, @publisher, @tokenId, NULL, 0, NULL)`),
      candidates: db.prepare<[string], { version: string; yanked: number; deleted_at: string | null }>(
        'SELECT version, yanked, deleted_at FROM versions WHERE name = ?',
      ),
      tags: db.prepare<[string], { tag: string; version: string; explicit: number }>(
        'SELECT tag, version, explicit FROM dist_tags WHERE name = ?',
      ),
      setTag: db.prepare(
        'INSERT INTO dist_tags (name, tag, version, explicit) VALUES (?, ?, ?, ?) ON CONFLICT (name, tag) DO UPDATE SET version = excluded.version, explicit = excluded.explicit',
      ),
      delTag: db.prepare('DELETE FROM dist_tags WHERE name = ? AND tag = ?'),
      setDeprecated: db.prepare(
        'UPDATE versions SET deprecated = ? WHERE name = ? AND version = ? AND deleted_at IS NULL',
      ),
      setYanked: db.prepare('UPDATE versions SET yanked = ? WHERE name = ? AND version = ? AND deleted_at IS NULL'),
      setDeleted: db.prepare(
        'UPDATE versions SET deleted_at = ? WHERE name = ? AND version = ? AND deleted_at IS NULL',
      ),
      auditFor: db.prepare<[string, number, string, string, number], AuditRow>(
        'SELECT at, user, token_id, action, target, scope, detail FROM audit WHERE scope = ? OR substr(scope, 1, ?) = ? || ? ORDER BY id DESC LIMIT ?',
      ),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      blobInUse: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM versions WHERE sha256 = ? AND deleted_at IS NULL',
      ),
    };
  }

  private migrateNow(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const apply = this.db.transaction(() => {
      const done = new Set(
        this.db
          .prepare<[], { id: number }>('SELECT id FROM schema_migrations')
          .all()
          .map((r) => r.id),
      );
      SQLITE_MIGRATIONS.forEach((sql, i) => {
        if (done.has(i + 1)) return;
        this.db.exec(sql);
        this.db
          .prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)')
          .run(i + 1, new Date().toISOString());
      });
    });
    apply.immediate();
  }

  async migrate(): Promise<void> {
    this.migrateNow();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async addUser(user: UserRecord, audit: AuditEntry): Promise<boolean> {
    this.writes++;
    return this.db
      .transaction(() => {
        const added = this.stmts.addUser.run(user.name, user.admin ? 1 : 0, user.createdAt).changes === 1;
        if (added) this.stmts.audit.run(audit);
        return added;
      })
      .immediate();
  }

  async getUser(name: string): Promise<UserRecord | undefined> {
    const r = this.stmts.getUser.get(name);
    return r && { name: r.name, admin: r.admin === 1, createdAt: r.created_at };
  }

  async setGrant(user: string, scope: string, role: Role | null, audit: AuditEntry): Promise<void> {
    this.writes++;
    this.db
      .transaction(() => {
        if (role === null) this.stmts.delGrant.run(user, scope);
        else this.stmts.setGrant.run(user, scope, role);
        this.stmts.audit.run(audit);
      })
      .immediate();
  }

  async grantsFor(user: string): Promise<GrantRecord[]> {
    return this.stmts.grantsFor.all(user);
  }

  async addToken(t: TokenRecord, audit: AuditEntry): Promise<void> {
    this.writes++;
    this.db
      .transaction(() => {
        this.stmts.addToken.run(t.id, t.user, t.hash, JSON.stringify(t.scopes), t.access, t.createdAt);
        this.stmts.audit.run(audit);
      })
      .immediate();
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const r = this.stmts.tokenByHash.get(hash);
    return r && toToken(r);
  }

  async getToken(id: string): Promise<TokenRecord | undefined> {
    const r = this.stmts.getToken.get(id);
    return r && toToken(r);
  }

  async revokeToken(id: string, at: string, audit: AuditEntry): Promise<boolean> {
    this.writes++;
    return this.db
      .transaction(() => {
        const ok = this.stmts.revokeToken.run(at, id).changes === 1;
        if (ok) this.stmts.audit.run(audit);
        return ok;
      })
      .immediate();
  }

  private reconcile(name: string): void {
    const versions = this.stmts.candidates
      .all(name)
      .map((r) => ({ version: r.version, yanked: r.yanked === 1, deleted: r.deleted_at !== null }));
    const tags: TagRow[] = this.stmts.tags
      .all(name)
      .map((r) => ({ tag: r.tag, version: r.version, explicit: r.explicit === 1 }));
    const { set, remove } = reconcileTags(versions, tags);
    for (const tag of remove) this.stmts.delTag.run(name, tag);
    for (const t of set) this.stmts.setTag.run(name, t.tag, t.version, t.explicit ? 1 : 0);
    this.catalog.refresh(name);
  }

  async publish(v: VersionRecord, audit: AuditEntry): Promise<PublishOutcome> {
    this.writes++;
    return this.db
      .transaction((): PublishOutcome => {
        const existing = this.stmts.getVersion.get(v.name, v.version);
        if (existing) return existing.deleted_at === null ? 'exists' : 'tombstone';
        this.stmts.insertVersion.run({ ...v, readme: v.readme ?? null, category: v.category ?? null });
        this.reconcile(v.name);
        this.stmts.audit.run(audit);
        return 'created';
      })
      .immediate();
  }

  async listVersions(name: string): Promise<VersionInfo[]> {
    return this.stmts.listVersions.all(name).map(toInfo);
  }

  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const r = this.stmts.getVersion.get(name, version);
    return r && toVersion(r);
  }

  async changeVersion(name: string, version: string, change: VersionChange, audit: AuditEntry): Promise<boolean> {
    this.writes++;
    return this.db
      .transaction((): boolean => {
        let changed = 0;
        if (change.deprecated !== undefined)
          changed += this.stmts.setDeprecated.run(change.deprecated, name, version).changes;
        if (change.yanked !== undefined)
          changed += this.stmts.setYanked.run(change.yanked ? 1 : 0, name, version).changes;
        if (change.delete) changed += this.stmts.setDeleted.run(audit.at, name, version).changes;
        if (changed === 0) return false;
        this.reconcile(name);
        this.stmts.audit.run(audit);
        return true;
      })
      .immediate();
  }

  async distTags(name: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.stmts.tags.all(name).map((r) => [r.tag, r.version]));
  }

  async setDistTag(name: string, tag: string, version: string, audit: AuditEntry): Promise<boolean> {
    this.writes++;
    return this.db
      .transaction((): boolean => {
        const v = this.stmts.getVersion.get(name, version);
        if (!v || v.deleted_at !== null) return false;
        this.stmts.setTag.run(name, tag, version, 1);
        this.reconcile(name);
        this.stmts.audit.run(audit);
        return true;
      })
      .immediate();
  }

  async catalogSearch(q: CatalogStoreQuery): Promise<CatalogResult> {
    return this.catalog.search(q);
  }

  async catalogCategories(readable: ReadableScopes): Promise<{ category: string; count: number }[]> {
    return this.catalog.categories(readable);
  }

  async addResolutions(counts: ResolutionCount[]): Promise<void> {
    this.writes++;
    this.catalog.addResolutions(counts);
  }

  async resolutionsSince(name: string, since: string): Promise<number> {
    return this.catalog.resolutionsSince(name, since);
  }

  async audit(scope: string, limit: number): Promise<AuditEntry[]> {
    return this.stmts.auditFor.all(scope, scope.length + 1, scope, '/', limit).map(toAudit);
  }

  async changeEpoch(): Promise<string> {
    return `${this.stmts.dataVersion.get()}.${this.writes}`;
  }

  async blobInUse(sha256: string): Promise<boolean> {
    return (this.stmts.blobInUse.get(sha256)?.n ?? 0) > 0;
  }
}
