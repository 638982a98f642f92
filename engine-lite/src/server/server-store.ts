/**
 * What the service keeps beside the engine store, in `<data>/server.db` (SQLite): API tokens
 * (hashed), each run's place in the queue (priority, arrival, labels, the run it reruns) and the
 * run's secrets, encrypted, only while the run can still use them. The engine store may be
 * PostgreSQL; this file is SQLite in both cases.
 */
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

export interface QueuedRunMeta {
  runId: string;
  priority: number;
  /** Arrival order: FIFO within a priority. */
  seq: number;
  labels: Record<string, string>;
  rerunOf?: string;
  /** Taken off the queue and driven (it keeps its slot across a restart). */
  admitted: boolean;
}

const MIGRATIONS = [
  `CREATE TABLE tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,
     created_at BIGINT NOT NULL, revoked_at BIGINT);
   CREATE TABLE run_meta (run_id TEXT PRIMARY KEY, priority INTEGER NOT NULL, seq INTEGER NOT NULL,
     labels TEXT NOT NULL, rerun_of TEXT, admitted INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE run_secrets (run_id TEXT PRIMARY KEY, sealed TEXT NOT NULL)`,
  // 2: the queue is read on every start of a run: only the runs still waiting.
  `CREATE INDEX run_meta_waiting ON run_meta (admitted)`,
];

interface MetaRow {
  run_id: string;
  priority: number;
  seq: number;
  labels: string;
  rerun_of: string | null;
  admitted: number;
}

function toMeta(r: MetaRow): QueuedRunMeta {
  return {
    runId: r.run_id,
    priority: r.priority,
    seq: r.seq,
    labels: JSON.parse(r.labels) as Record<string, string>,
    ...(r.rerun_of ? { rerunOf: r.rerun_of } : {}),
    admitted: r.admitted === 1,
  };
}

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

  addRun(meta: Omit<QueuedRunMeta, 'seq' | 'admitted'>): QueuedRunMeta {
    const seq = (this.sql('SELECT COALESCE(MAX(seq), 0) + 1 FROM run_meta').pluck().get() as number) ?? 1;
    this.sql('INSERT INTO run_meta (run_id, priority, seq, labels, rerun_of) VALUES (?, ?, ?, ?, ?)').run(
      meta.runId,
      meta.priority,
      seq,
      JSON.stringify(meta.labels),
      meta.rerunOf ?? null,
    );
    return { ...meta, seq, admitted: false };
  }

  meta(runId: string): QueuedRunMeta | undefined {
    const r = this.sql('SELECT * FROM run_meta WHERE run_id = ?').get(runId) as MetaRow | undefined;
    return r && toMeta(r);
  }

  /** Runs still in the queue (not yet driven, not cancelled while queued). */
  waitingMetas(): QueuedRunMeta[] {
    return (this.sql('SELECT * FROM run_meta WHERE admitted = 0').all() as MetaRow[]).map(toMeta);
  }

  metas(): QueuedRunMeta[] {
    return (this.sql('SELECT * FROM run_meta').all() as MetaRow[]).map(toMeta);
  }

  setPriority(runId: string, priority: number): void {
    this.sql('UPDATE run_meta SET priority = ? WHERE run_id = ?').run(priority, runId);
  }

  /** The run left the queue: driven, or cancelled while it waited. */
  setAdmitted(runId: string): void {
    this.sql('UPDATE run_meta SET admitted = 1 WHERE run_id = ?').run(runId);
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

  wipeSecrets(runId: string): void {
    this.sql('DELETE FROM run_secrets WHERE run_id = ?').run(runId);
  }

  close(): void {
    this.db.close();
  }
}
