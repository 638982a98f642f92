/**
 * The engine store's schema as numbered migrations, one list per dialect, applied in order at
 * open under a lock (SQLite: an immediate transaction; PostgreSQL: an advisory lock) and recorded
 * in `schema_migrations`. Never edit a migration that has shipped: add the next one.
 *
 * Conventions, the same in both dialects: times are milliseconds since the epoch (BIGINT);
 * booleans are INTEGER 0/1; JSON is TEXT; every table that is read in order has an explicit key.
 */

/** Migration 1 is the schema engine-lite had before migrations; databases made by it are adopted as they are. */
const INITIAL = [
  `CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, file TEXT NOT NULL, source TEXT NOT NULL, pipeline TEXT NOT NULL,
    params TEXT NOT NULL, actions TEXT NOT NULL, secret_names TEXT NOT NULL, executor TEXT NOT NULL,
    concurrency INTEGER NOT NULL, status TEXT NOT NULL, cancel_requested INTEGER NOT NULL DEFAULT 0,
    engine_pid INTEGER, created_at BIGINT NOT NULL, started_at BIGINT, ended_at BIGINT, error TEXT)`,
  `CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at)`,
  `CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL, step_id TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,
    task_id TEXT, executor TEXT, started_at BIGINT, ended_at BIGINT, exit_code INTEGER, error TEXT,
    outputs TEXT NOT NULL, retry_at BIGINT, ord INTEGER NOT NULL, PRIMARY KEY (run_id, step_id))`,
  `CREATE TABLE IF NOT EXISTS log_batches (task_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (task_id, seq))`,
  `CREATE TABLE IF NOT EXISTS logs (
    run_id TEXT NOT NULL, step_id TEXT NOT NULL, task_id TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,
    stream TEXT NOT NULL, text TEXT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (task_id, seq, idx))`,
  `CREATE INDEX IF NOT EXISTS logs_run ON logs (run_id, step_id)`,
  `CREATE TABLE IF NOT EXISTS files (
    run_id TEXT NOT NULL, step_id TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, size BIGINT NOT NULL,
    PRIMARY KEY (run_id, step_id, name))`,
  `CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL, step_id TEXT, type TEXT NOT NULL, data TEXT NOT NULL, ts BIGINT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS events_run ON events (run_id)`,
].join(';\n');

/** The schema before migrations existed, for tests that open a database an older engine made. */
export const PRE_MIGRATION_SCHEMA = INITIAL;

/** 3: registered pipelines (revisions), fired schedule ticks and webhook deliveries (each starts one run), and
 * the webhook payload a run was started with. */
const TRIGGERS = `ALTER TABLE runs ADD COLUMN event TEXT;
   CREATE TABLE pipelines (name TEXT NOT NULL, revision INTEGER NOT NULL, source TEXT NOT NULL, file TEXT NOT NULL,
     created_at BIGINT NOT NULL, removed_at BIGINT, PRIMARY KEY (name, revision));
   CREATE TABLE fired_ticks (pipeline TEXT NOT NULL, schedule INTEGER NOT NULL, tick BIGINT NOT NULL,
     run_id TEXT NOT NULL, PRIMARY KEY (pipeline, schedule, tick));
   CREATE TABLE hook_deliveries (pipeline TEXT NOT NULL, delivery TEXT NOT NULL, run_id TEXT NOT NULL,
     received_at BIGINT NOT NULL, PRIMARY KEY (pipeline, delivery))`;

/** 4: each server's queue entry for a run, written with the run (run-queue-types.ts); runs listed (newest id
 * first) by status and by pipeline. */
const RUN_QUEUE = (seqColumn: string) => `CREATE TABLE run_queue (run_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
     priority INTEGER NOT NULL, ${seqColumn}, labels TEXT NOT NULL, rerun_of TEXT, admitted INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX run_queue_waiting ON run_queue (owner, admitted, priority, seq);
   CREATE INDEX runs_status_id ON runs (status, id);
   CREATE INDEX runs_pipeline_id ON runs (pipeline_name, id)`;

/** 6: waiting entries are read a page at a time in queue order (priority first, then arrival). */
const QUEUE_ORDER = `CREATE INDEX run_queue_order ON run_queue (owner, admitted, priority DESC, seq);
   DROP INDEX run_queue_waiting`;

/** 7: a step's log is kept as blocks of lines (log-blocks.ts), one row per block; each old line becomes a block
 * of one line at its old position, so the order stays. */
const LOG_BLOCKS = (posColumn: string) => `CREATE TABLE log_blocks (${posColumn}, run_id TEXT NOT NULL,
     step_id TEXT NOT NULL, task_id TEXT NOT NULL, seq INTEGER NOT NULL, first_idx INTEGER NOT NULL,
     lines INTEGER NOT NULL, stream TEXT NOT NULL, ts BIGINT NOT NULL, text TEXT NOT NULL)`;

export const SQLITE_MIGRATIONS: readonly string[] = [
  INITIAL,
  // 2: events get an explicit id, the order they were written in (was the implicit rowid).
  `CREATE TABLE events_v2 (
     id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step_id TEXT, type TEXT NOT NULL, data TEXT NOT NULL,
     ts BIGINT NOT NULL);
   INSERT INTO events_v2 (run_id, step_id, type, data, ts) SELECT run_id, step_id, type, data, ts FROM events ORDER BY rowid;
   DROP TABLE events;
   ALTER TABLE events_v2 RENAME TO events;
   CREATE INDEX events_run ON events (run_id, id)`,
  TRIGGERS,
  RUN_QUEUE('seq INTEGER NOT NULL'),
  // 5: logs are followed by position: SQLite's rowid, which logs_run (run_id, step_id) already ends with.
  `SELECT 1`,
  QUEUE_ORDER,
  // 7: pos is the rowid, named (and kept by VACUUM, which may renumber an implicit rowid).
  `${LOG_BLOCKS('pos INTEGER PRIMARY KEY')};
   INSERT INTO log_blocks (pos, run_id, step_id, task_id, seq, first_idx, lines, stream, ts, text)
     SELECT rowid, run_id, step_id, task_id, seq, idx, 1, stream, ts, text FROM logs ORDER BY rowid;
   DROP TABLE logs;
   CREATE INDEX log_blocks_follow ON log_blocks (run_id, step_id, pos, lines)`,
];

export const POSTGRES_MIGRATIONS: readonly string[] = [
  INITIAL,
  // 2: events get an explicit id. PostgreSQL ordered them by (ts, ctid), and an UPDATE or VACUUM FULL moves a
  // row's ctid; existing rows are numbered in the order the old engine showed them.
  `ALTER TABLE events ADD COLUMN id BIGINT;
   CREATE SEQUENCE events_id_seq OWNED BY events.id;
   UPDATE events e SET id = o.n
     FROM (SELECT ctid AS c, row_number() OVER (ORDER BY ts, ctid) AS n FROM events) o WHERE e.ctid = o.c;
   SELECT setval('events_id_seq', COALESCE((SELECT max(id) FROM events), 0) + 1, false);
   ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq'), ALTER COLUMN id SET NOT NULL,
     ADD PRIMARY KEY (id);
   DROP INDEX events_run;
   CREATE INDEX events_run ON events (run_id, id)`,
  TRIGGERS,
  `CREATE SEQUENCE run_queue_seq; ${RUN_QUEUE('seq BIGINT NOT NULL')}`,
  // 5: logs are followed by position (the order lines were stored in), read from an index.
  `ALTER TABLE logs ADD COLUMN pos BIGSERIAL;
   CREATE INDEX logs_follow ON logs (run_id, step_id, pos)`,
  QUEUE_ORDER,
  `${LOG_BLOCKS('pos BIGSERIAL PRIMARY KEY')};
   INSERT INTO log_blocks (pos, run_id, step_id, task_id, seq, first_idx, lines, stream, ts, text)
     SELECT pos, run_id, step_id, task_id, seq, idx, 1, stream, ts, text FROM logs;
   SELECT setval('log_blocks_pos_seq', COALESCE((SELECT max(pos) FROM log_blocks), 0) + 1, false);
   DROP TABLE logs;
   CREATE INDEX log_blocks_follow ON log_blocks (run_id, step_id, pos) INCLUDE (lines)`,
];

/** What to say when a database is newer than this engine. */
export function tooNewError(where: string, found: number, known: number): string {
  return `${where} was written by a newer Caravan (schema ${found}, this one knows up to ${known}); upgrade caravan, or point CARAVAN_HOME / CARAVAN_DATABASE_URL at another store`;
}
