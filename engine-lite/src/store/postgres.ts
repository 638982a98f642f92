/**
 * The shared store: PostgreSQL through `pg`. `schema` isolates deployments (and test runs) in one
 * database; it is created when missing.
 */
import pg from 'pg';
import { redactUrl, redactUrlsIn } from '@caravan/registry';
import {
  rowToEvent,
  rowToFile,
  rowToRun,
  rowToStep,
  runPatchColumns,
  runToRow,
  stepPatchColumns,
  stepToRow,
} from './rows.js';
import type { Row } from './rows.js';
import { addEventSql, eventParams, fileParams, putFileSql } from './file-event-sql.js';
import { POSTGRES_APPEND_BATCH, postgresArrays } from './log-append-sql.js';
import { logBlocks, type NewLogEntry } from './log-blocks.js';
import { LogBlockReader, LogReadingStore } from './log-block-reader.js';
import { migrate } from './postgres-migrate.js';
import type {
  EngineStore,
  EventRecord,
  FileRecord,
  RunPatch,
  RunRecord,
  StepPatch,
  StepRecord,
  CarriedRecords,
} from './types.js';
import { StoreError } from './types.js';
import type { RunClaim } from './run-claims.js';
import { claimStatements } from './run-claims.js';
import type { NewQueueEntry, QueueEntryPatch, QueueEntryRecord } from './run-queue-types.js';
import {
  insertQueueEntry,
  rowToQueueEntry,
  selectAdmittedUnfinished,
  selectQueueEntry,
  updateQueueEntry,
} from './run-queue-sql.js';
import type { QueuePlace, RunListFilter, WaitingEntry } from './run-queue-types.js';
import { COUNT_BY_STATUS, countsFromRows, listRunPageSql, queueDepthSql, rowToListedRun } from './run-list-sql.js';
import { waitingRunsSql } from './waiting-runs-sql.js';

const ph = (i: number): string => `$${i}`;
const PUT_FILE = putFileSql(ph);
const ADD_EVENT = addEventSql(ph);

export class PostgresEngineStore extends LogReadingStore implements EngineStore {
  readonly kind = 'postgres' as const;

  /** `pool` is shared with the registered pipelines (pipeline-store.ts). */
  private constructor(readonly pool: pg.Pool) {
    super();
  }

  static async open(url: string, schema = 'caravan_engine'): Promise<PostgresEngineStore> {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema))
      throw new StoreError(`invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`);
    const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
    try {
      await migrate(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof StoreError) throw err;
      throw new StoreError(
        `cannot open the engine store in PostgreSQL (${redactUrl(url)}): ${redactUrlsIn((err as Error).message)}; check CARAVAN_DATABASE_URL`,
        { cause: err },
      );
    }
    return new PostgresEngineStore(pool);
  }

  async createRun(
    run: RunRecord,
    steps: StepRecord[],
    claim?: RunClaim,
    queue?: NewQueueEntry,
    carried?: CarriedRecords,
  ): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (claim) {
        let changed = 0;
        for (const st of claimStatements(claim, run.id, (i) => `$${i}`))
          changed = (await client.query(st.sql, st.params)).rowCount ?? 0;
        if (changed === 0) {
          await client.query('ROLLBACK');
          return false;
        }
      }
      await insert(client, 'runs', runToRow(run));
      for (const s of steps) await insert(client, 'steps', stepToRow(s));
      if (queue) {
        const st = insertQueueEntry('postgres', run.id, queue, ph);
        await client.query(st.sql, st.params);
      }
      for (const f of carried?.files ?? []) await client.query(PUT_FILE, fileParams(f));
      for (const e of carried?.events ?? []) await client.query(ADD_EVENT, eventParams(e));
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async listRunPage(f: RunListFilter): Promise<Array<{ run: RunRecord; queue?: QueueEntryRecord }>> {
    const { sql, params } = listRunPageSql('postgres', f, ph);
    return (await this.pool.query<Row>(sql, params)).rows.map(rowToListedRun);
  }

  async countRunsByStatus(): Promise<Record<string, number>> {
    return countsFromRows((await this.pool.query<Row>(COUNT_BY_STATUS)).rows);
  }

  async queueDepth(owner: string): Promise<number> {
    return Number((await this.pool.query<Row>(queueDepthSql(ph), [owner])).rows[0]?.n ?? 0);
  }

  async queueEntry(runId: string): Promise<QueueEntryRecord | undefined> {
    const { rows } = await this.pool.query<Row>(selectQueueEntry(ph), [runId]);
    return rows[0] ? rowToQueueEntry(rows[0]) : undefined;
  }

  async waitingRuns(owner: string, limit: number, after?: QueuePlace): Promise<WaitingEntry[]> {
    const { sql, params } = waitingRunsSql(owner, limit, after, ph);
    return (await this.pool.query<Row>(sql, params)).rows.map(rowToListedRun) as WaitingEntry[];
  }

  async admittedUnfinished(owner: string): Promise<QueueEntryRecord[]> {
    return (await this.pool.query<Row>(selectAdmittedUnfinished(ph), [owner])).rows.map(rowToQueueEntry);
  }

  async adoptQueueEntry(runId: string, entry: NewQueueEntry, admitted: boolean): Promise<void> {
    const st = insertQueueEntry('postgres', runId, entry, ph, { admitted });
    await this.pool.query(st.sql, st.params);
  }

  async updateQueueEntry(runId: string, patch: QueueEntryPatch): Promise<void> {
    const st = updateQueueEntry(runId, patch, ph);
    if (st) await this.pool.query(st.sql, st.params);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM runs WHERE id = $1', [id]);
    return rows[0] ? rowToRun(rows[0]) : undefined;
  }

  async isCancelRequested(runId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ cancel_requested: number }>(
      'SELECT cancel_requested FROM runs WHERE id = $1',
      [runId],
    );
    return Number(rows[0]?.cancel_requested) === 1;
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT $1', [
      limit,
    ]);
    return rows.map(rowToRun);
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    const cols = runPatchColumns(patch);
    if (cols.length === 0) return;
    await this.pool.query(
      `UPDATE runs SET ${cols.map(([c], i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${cols.length + 1}`,
      [...cols.map(([, v]) => v), id],
    );
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM steps WHERE run_id = $1 ORDER BY ord', [runId]);
    return rows.map(rowToStep);
  }

  async updateStep(runId: string, stepId: string, patch: StepPatch): Promise<void> {
    const cols = stepPatchColumns(patch);
    if (cols.length === 0) return;
    const n = cols.length;
    await this.pool.query(
      `UPDATE steps SET ${cols.map(([c], i) => `${c} = $${i + 1}`).join(', ')} WHERE run_id = $${n + 1} AND step_id = $${n + 2}`,
      [...cols.map(([, v]) => v), runId, stepId],
    );
  }

  async appendLogs(
    runId: string,
    stepId: string,
    taskId: string,
    seq: number,
    entries: NewLogEntry[],
  ): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        'INSERT INTO log_batches (task_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [taskId, seq],
      );
      if (rowCount === 0) {
        await client.query('ROLLBACK');
        return false;
      }
      if (entries.length > 0)
        await client.query(POSTGRES_APPEND_BATCH, [runId, stepId, taskId, seq, ...postgresArrays(logBlocks(entries))]);
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  protected readonly logs = new LogBlockReader(
    async (sql, params) => (await this.pool.query<Row>(sql, params)).rows,
    ph,
  );

  async putFile(f: FileRecord): Promise<void> {
    await this.pool.query(PUT_FILE, fileParams(f));
  }

  async getFiles(runId: string): Promise<FileRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM files WHERE run_id = $1 ORDER BY step_id, name', [
      runId,
    ]);
    return rows.map(rowToFile);
  }

  async addEvent(e: EventRecord): Promise<void> {
    await this.pool.query(ADD_EVENT, eventParams(e));
  }

  async getEvents(runId: string): Promise<EventRecord[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM events WHERE run_id = $1 ORDER BY id', [runId]);
    return rows.map(rowToEvent);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function insert(client: pg.PoolClient, table: string, row: Row): Promise<void> {
  const keys = Object.keys(row);
  await client.query(
    `INSERT INTO ${table} (${keys.join(',')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(',')})`,
    Object.values(row),
  );
}

/** The registry client's, the one `redactUrl` (webhook URLs are printed with it too). */
export { redactUrl };
