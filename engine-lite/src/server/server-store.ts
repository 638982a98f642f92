/**
 * What the service keeps beside the engine store, in `<data>/server.db` (SQLite): API tokens
 * (hashed), the server's identity (the owner of the queue entries it writes in the engine store)
 * and the runs' secrets, encrypted, only while the run can still use them. The engine store may
 * be PostgreSQL; this file is SQLite in both cases. (Table run_meta is no longer read: queue
 * entries live in the engine store, written with their run.)
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Role = 'viewer' | 'runner' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'runner', 'admin'];

export interface TokenRecord {
  name: string;
  role: Role;
  createdAt: number;
  revokedAt?: number;
}

const MIGRATIONS = [
  `CREATE TABLE tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
     created_at BIGINT NOT NULL, revoked_at BIGINT);
   CREATE TABLE run_meta (run_id TEXT PRIMARY KEY, priority INTEGER NOT NULL, seq INTEGER NOT NULL,
     labels TEXT NOT NULL, rerun_of TEXT, admitted INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE run_secrets (run_id TEXT PRIMARY KEY, sealed TEXT NOT NULL)`,
  // 2: the queue is read on every start of a run: only the runs still waiting.
  `CREATE INDEX run_meta_waiting ON run_meta (admitted)`,
  // 3: who this server is, for the queue entries in a store several servers may share.
  `CREATE TABLE server_identity (id TEXT NOT NULL)`,
];

export class ServerStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared once: the API reads tokens and queue places on every request. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db
      .transaction(() => {
        this.db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
        );
        const ids = this.db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[];
        if (Math.max(0, ...ids) > MIGRATIONS.length)
          throw new Error(`${path} was written by a newer Caravan server; upgrade caravan or use another --data`);
        MIGRATIONS.forEach((sql, i) => {
          if (ids.includes(i + 1)) return;
          this.db.exec(sql);
          this.db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(i + 1, Date.now());
        });
      })
      .immediate();
  }

  addToken(name: string, role: Role, sha256: string, now: number): void {
    this.sql('INSERT INTO tokens (name, role, sha256, created_at) VALUES (?, ?, ?, ?)').run(name, role, sha256, now);
  }

  hasToken(name: string): boolean {
    return this.sql('SELECT 1 FROM tokens WHERE name = ?').get(name) !== undefined;
  }

  /** The live token with this hash. */
  tokenBySha(sha256: string): TokenRecord | undefined {
    const r = this.sql('SELECT name, role, created_at FROM tokens WHERE sha256 = ? AND revoked_at IS NULL').get(
      sha256,
    ) as { name: string; role: Role; created_at: number } | undefined;
    return r && { name: r.name, role: r.role, createdAt: r.created_at };
  }

  listTokens(): TokenRecord[] {
    const rows = this.sql('SELECT name, role, created_at, revoked_at FROM tokens ORDER BY created_at').all() as {
      name: string;
      role: Role;
      created_at: number;
      revoked_at: number | null;
    }[];
    return rows.map((r) => ({
      name: r.name,
      role: r.role,
      createdAt: r.created_at,
      ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    }));
  }

  /** False when there is no live token of that name. */
  revokeToken(name: string, now: number): boolean {
    return (
      this.sql('UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(now, name).changes > 0
    );
  }

  /** This server's identity, made on first use. */
  identity(): string {
    const id = this.sql('SELECT id FROM server_identity').pluck().get() as string | undefined;
    if (id) return id;
    const made = randomUUID();
    this.sql('INSERT INTO server_identity (id) VALUES (?)').run(made);
    return made;
  }

  /** Queue places an older server kept here (table run_meta), in arrival order: adopted into the engine store. */
  legacyQueue(): Array<{
    runId: string;
    priority: number;
    labels: Record<string, string>;
    rerunOf?: string;
    admitted: boolean;
  }> {
    const rows = this.sql('SELECT * FROM run_meta ORDER BY seq').all() as Array<{
      run_id: string;
      priority: number;
      labels: string;
      rerun_of: string | null;
      admitted: number;
    }>;
    return rows.map((r) => ({
      runId: r.run_id,
      priority: r.priority,
      labels: JSON.parse(r.labels) as Record<string, string>,
      ...(r.rerun_of ? { rerunOf: r.rerun_of } : {}),
      admitted: r.admitted === 1,
    }));
  }

  /** Adopted: the engine store holds these places now. */
  clearLegacyQueue(): void {
    this.sql('DELETE FROM run_meta').run();
  }

  putSecrets(runId: string, sealed: string): void {
    this.sql('INSERT OR REPLACE INTO run_secrets (run_id, sealed) VALUES (?, ?)').run(runId, sealed);
  }

  sealedSecrets(runId: string): string | undefined {
    return this.sql('SELECT sealed FROM run_secrets WHERE run_id = ?').pluck().get(runId) as string | undefined;
  }

  /** Whether any run still holds sealed secrets (a key rotation waits for them to end). */
  hasSealedSecrets(): boolean {
    return this.db.prepare('SELECT 1 FROM run_secrets LIMIT 1').get() !== undefined;
  }

  sealedRunIds(): string[] {
    return this.sql('SELECT run_id FROM run_secrets').pluck().all() as string[];
  }

  wipeSecrets(runId: string): void {
    this.sql('DELETE FROM run_secrets WHERE run_id = ?').run(runId);
  }

  close(): void {
    this.db.close();
  }
}
