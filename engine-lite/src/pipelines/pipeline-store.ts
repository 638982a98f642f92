/**
 * Registered pipelines in the engine store (SQLite or PostgreSQL, the tables of migration 3): every
 * change is a new revision; removing one marks its latest revision removed, and adding the name
 * again continues the numbering. Also what the triggers read back: the newest fired tick of a
 * schedule and the run an earlier webhook delivery started.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { PostgresEngineStore } from '../store/postgres.js';
import { SqliteEngineStore } from '../store/sqlite.js';
import type { EngineStore } from '../store/types.js';
import { ApiError } from '../server/api-error.js';

export interface PipelineRevision {
  name: string;
  /** 1, 2, …: one per change. */
  revision: number;
  /** The pipeline.yml text. */
  source: string;
  /** The file name it was registered from (problems are reported under it). */
  file: string;
  createdAt: number;
}

export interface PipelineStore {
  /** Stores `source` as the next revision of `name`. */
  add(name: string, source: string, file: string, now: number): Promise<PipelineRevision>;
  /** The latest revision, or the given one; undefined when unknown or removed. */
  get(name: string, revision?: number): Promise<PipelineRevision | undefined>;
  /** The latest revision of each registered pipeline, by name. */
  list(): Promise<PipelineRevision[]>;
  /** False when no pipeline of that name is registered. */
  remove(name: string, now: number): Promise<boolean>;
  /** The newest tick of a schedule that started a run. */
  lastTick(pipeline: string, schedule: number): Promise<number | undefined>;
  /** The run a delivery started, when it was received at or after `since`. */
  deliveryRun(pipeline: string, delivery: string, since: number): Promise<string | undefined>;
}

type Row = Record<string, unknown>;

/** Tries at storing the next revision while others take the same number. */
const MAX_ADD_ATTEMPTS = 20;

/** A primary-key clash: PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT_PRIMARYKEY. */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const toRevision = (r: Row): PipelineRevision => ({
  name: String(r.name),
  revision: Number(r.revision),
  source: String(r.source),
  file: String(r.file),
  createdAt: Number(r.created_at),
});

/** The same SQL on both dialects; `query` runs one statement with `?` placeholders. */
class SqlPipelineStore implements PipelineStore {
  constructor(private readonly query: (sql: string, params: unknown[]) => Promise<{ rows: Row[]; changes: number }>) {}

  async add(name: string, source: string, file: string, now: number): Promise<PipelineRevision> {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.query('SELECT COALESCE(MAX(revision), 0) AS n FROM pipelines WHERE name = ?', [name]);
      const revision = Number(rows[0]?.n ?? 0) + 1;
      try {
        await this.query('INSERT INTO pipelines (name, revision, source, file, created_at) VALUES (?, ?, ?, ?, ?)', [
          name,
          revision,
          source,
          file,
          now,
        ]);
        return { name, revision, source, file, createdAt: now };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Another server (or request) stored the same revision number first: take the next one.
        if (attempt >= MAX_ADD_ATTEMPTS)
          throw new ApiError(
            409,
            'conflict',
            `pipeline "${name}" is being changed by others at the same time: no revision was stored`,
            'add it again',
          );
      }
    }
  }

  async get(name: string, revision?: number): Promise<PipelineRevision | undefined> {
    const latest = (await this.query('SELECT * FROM pipelines WHERE name = ? ORDER BY revision DESC LIMIT 1', [name]))
      .rows[0];
    if (!latest || latest.removed_at !== null) return undefined;
    if (revision === undefined) return toRevision(latest);
    const row = (await this.query('SELECT * FROM pipelines WHERE name = ? AND revision = ?', [name, revision])).rows[0];
    return row ? toRevision(row) : undefined;
  }

  async list(): Promise<PipelineRevision[]> {
    const { rows } = await this.query(
      `SELECT p.* FROM pipelines p
       JOIN (SELECT name, MAX(revision) AS revision FROM pipelines GROUP BY name) l
         ON l.name = p.name AND l.revision = p.revision
       WHERE p.removed_at IS NULL ORDER BY p.name`,
      [],
    );
    return rows.map(toRevision);
  }

  async remove(name: string, now: number): Promise<boolean> {
    const latest = await this.get(name);
    if (!latest) return false;
    await this.query('UPDATE pipelines SET removed_at = ? WHERE name = ? AND revision = ?', [
      now,
      name,
      latest.revision,
    ]);
    return true;
  }

  async lastTick(pipeline: string, schedule: number): Promise<number | undefined> {
    const { rows } = await this.query('SELECT MAX(tick) AS t FROM fired_ticks WHERE pipeline = ? AND schedule = ?', [
      pipeline,
      schedule,
    ]);
    const t = rows[0]?.t;
    return t === null || t === undefined ? undefined : Number(t);
  }

  async deliveryRun(pipeline: string, delivery: string, since: number): Promise<string | undefined> {
    const { rows } = await this.query(
      'SELECT run_id FROM hook_deliveries WHERE pipeline = ? AND delivery = ? AND received_at >= ?',
      [pipeline, delivery, since],
    );
    return rows[0] ? String(rows[0].run_id) : undefined;
  }
}

function sqliteQuery(db: Database.Database) {
  return async (sql: string, params: unknown[]) => {
    const st = db.prepare(sql);
    if (st.reader) return { rows: st.all(...params) as Row[], changes: 0 };
    return { rows: [], changes: st.run(...params).changes };
  };
}

function postgresQuery(pool: pg.Pool) {
  return async (sql: string, params: unknown[]) => {
    let i = 0;
    const r = await pool.query(
      sql.replace(/\?/g, () => `$${++i}`),
      params,
    );
    return { rows: r.rows as Row[], changes: r.rowCount ?? 0 };
  };
}

/** The pipeline store over the engine store's own connection. */
export function pipelineStoreOf(store: EngineStore): PipelineStore {
  if (store instanceof SqliteEngineStore) return new SqlPipelineStore(sqliteQuery(store.db));
  if (store instanceof PostgresEngineStore) return new SqlPipelineStore(postgresQuery(store.pool));
  throw new Error(`registered pipelines need the SQLite or PostgreSQL engine store, not ${store.kind}`);
}
