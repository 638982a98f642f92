/**
 * The embedded store: one SQLite file (WAL) under `$CARAVAN_HOME`, driven synchronously by
 * better-sqlite3. Step/run updates and events issued in the same turn of the event loop are
 * committed together in one transaction (group commit); each caller's promise resolves only after
 * that commit, so "written before acted on" still holds. Reads flush pending writes first.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
import { SQLITE_APPEND_BLOCK, sqliteBlockParams } from './log-append-sql.js';
import { logBlocks, type NewLogEntry } from './log-blocks.js';
import { LogBlockReader, LogReadingStore } from './log-block-reader.js';
import { migrateSqlite } from './sqlite-migrate.js';
import { GroupCommit } from './sqlite-group-commit.js';
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

const PUT_FILE = putFileSql(() => '?');
const ADD_EVENT = addEventSql(() => '?');
const SELECT_QUEUE_ENTRY = selectQueueEntry(() => '?');
const SELECT_ADMITTED_UNFINISHED = selectAdmittedUnfinished(() => '?');
export class SqliteEngineStore extends LogReadingStore implements EngineStore {
  readonly kind = 'sqlite' as const;
  /** The connection, shared with the registered pipelines (pipeline-store.ts). */
  readonly db: Database.Database;
  private readonly updateCache = new Map<string, Database.Statement>();

  constructor(path: string) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // WAL with NORMAL is durable across an engine crash (only an OS crash can lose the last commits).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -16000');
    this.db.pragma('wal_autocheckpoint = 4000');
    migrateSqlite(this.db, path);
    this.commits = new GroupCommit(this.db);
  }

  private readonly commits: GroupCommit;

  async isCancelRequested(runId: string): Promise<boolean> {
    this.flush();
    const row = this.statement('SELECT cancel_requested FROM runs WHERE id = ?').get(runId) as
      { cancel_requested: number } | undefined;
    return row?.cancel_requested === 1;
  }

  async createRun(
    run: RunRecord,
    steps: StepRecord[],
    claim?: RunClaim,
    queue?: NewQueueEntry,
    carried?: CarriedRecords,
  ): Promise<boolean> {
    this.flush();
    const runRow = runToRow(run);
    const insertRun = this.db.prepare(
      `INSERT INTO runs (${Object.keys(runRow).join(',')}) VALUES (${Object.keys(runRow)
        .map((k) => '@' + k)
        .join(',')})`,
    );
    const cols = steps[0] ? Object.keys(stepToRow(steps[0])) : [];
    const insertStep =
      cols.length > 0
        ? this.db.prepare(`INSERT INTO steps (${cols.join(',')}) VALUES (${cols.map((k) => '@' + k).join(',')})`)
        : undefined;
    return this.db.transaction(() => {
      if (claim) {
        const statements = claimStatements(claim, run.id, () => '?');
        const changes = statements.map((st) => this.db.prepare(st.sql).run(...st.params).changes);
        if (changes.at(-1) === 0) return false;
      }
      insertRun.run(runRow);
      for (const s of steps) insertStep?.run(stepToRow(s));
      if (queue) {
        const st = insertQueueEntry('sqlite', run.id, queue, () => '?');
        this.db.prepare(st.sql).run(...st.params);
      }
      for (const f of carried?.files ?? []) this.statement(PUT_FILE).run(...fileParams(f));
      for (const e of carried?.events ?? []) this.statement(ADD_EVENT).run(...eventParams(e));
      return true;
    })();
  }

  /** Rows of a read, after the pending writes. */
  private rows(sql: string, ...params: unknown[]): Row[] {
    this.flush();
    return this.statement(sql).all(...params) as Row[];
  }

  async listRunPage(f: RunListFilter): Promise<Array<{ run: RunRecord; queue?: QueueEntryRecord }>> {
    const { sql, params } = listRunPageSql('sqlite', f, () => '?');
    return this.rows(sql, ...params).map(rowToListedRun);
  }

  async countRunsByStatus(): Promise<Record<string, number>> {
    return countsFromRows(this.rows(COUNT_BY_STATUS));
  }

  async queueDepth(owner: string): Promise<number> {
    return Number(
      this.rows(
        queueDepthSql(() => '?'),
        owner,
      )[0]?.n ?? 0,
    );
  }

  async queueEntry(runId: string): Promise<QueueEntryRecord | undefined> {
    return this.rows(SELECT_QUEUE_ENTRY, runId).map(rowToQueueEntry)[0];
  }

  async waitingRuns(owner: string, limit: number, after?: QueuePlace): Promise<WaitingEntry[]> {
    const { sql, params } = waitingRunsSql(owner, limit, after, () => '?');
    return this.rows(sql, ...params).map(rowToListedRun) as WaitingEntry[];
  }

  async admittedUnfinished(owner: string): Promise<QueueEntryRecord[]> {
    return this.rows(SELECT_ADMITTED_UNFINISHED, owner).map(rowToQueueEntry);
  }

  async adoptQueueEntry(runId: string, entry: NewQueueEntry, admitted: boolean): Promise<void> {
    this.flush();
    const st = insertQueueEntry('sqlite', runId, entry, () => '?', { admitted });
    this.statement(st.sql).run(...st.params);
  }

  async updateQueueEntry(runId: string, patch: QueueEntryPatch): Promise<void> {
    const st = updateQueueEntry(runId, patch, () => '?');
    if (!st) return;
    const stmt = this.statement(st.sql);
    return this.enqueue(() => stmt.run(...st.params));
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    this.flush();
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? rowToRun(row) : undefined;
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    this.flush();
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as Row[]).map(
      rowToRun,
    );
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    const cols = runPatchColumns(patch);
    if (cols.length === 0) return;
    const stmt = this.statement(`UPDATE runs SET ${cols.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`);
    return this.enqueue(() => stmt.run(...cols.map(([, v]) => v), id));
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    this.flush();
    return (this.db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY ord').all(runId) as Row[]).map(rowToStep);
  }

  async updateStep(runId: string, stepId: string, patch: StepPatch): Promise<void> {
    const cols = stepPatchColumns(patch);
    if (cols.length === 0) return;
    const stmt = this.statement(
      `UPDATE steps SET ${cols.map(([c]) => `${c} = ?`).join(', ')} WHERE run_id = ? AND step_id = ?`,
    );
    return this.enqueue(() => stmt.run(...cols.map(([, v]) => v), runId, stepId));
  }

  async appendLogs(
    runId: string,
    stepId: string,
    taskId: string,
    seq: number,
    entries: NewLogEntry[],
  ): Promise<boolean> {
    this.flush();
    const batch = this.statement('INSERT OR IGNORE INTO log_batches (task_id, seq) VALUES (?, ?)');
    const block = this.statement(SQLITE_APPEND_BLOCK);
    return this.db.transaction(() => {
      if (batch.run(taskId, seq).changes === 0) return false;
      for (const b of logBlocks(entries)) block.run(...sqliteBlockParams(runId, stepId, taskId, seq, b));
      return true;
    })();
  }

  protected readonly logs = new LogBlockReader(
    async (sql, params) => this.rows(sql, ...params),
    () => '?',
  );

  async putFile(f: FileRecord): Promise<void> {
    this.flush();
    this.statement(PUT_FILE).run(...fileParams(f));
  }

  async getFiles(runId: string): Promise<FileRecord[]> {
    this.flush();
    return (this.db.prepare('SELECT * FROM files WHERE run_id = ? ORDER BY step_id, name').all(runId) as Row[]).map(
      rowToFile,
    );
  }

  async addEvent(e: EventRecord): Promise<void> {
    const stmt = this.statement(ADD_EVENT);
    const params = eventParams(e);
    return this.enqueue(() => stmt.run(...params));
  }

  async getEvents(runId: string): Promise<EventRecord[]> {
    this.flush();
    return (this.db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id').all(runId) as Row[]).map(rowToEvent);
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }

  private enqueue(apply: () => void): Promise<void> {
    return this.commits.enqueue(apply);
  }

  private flush(): void {
    this.commits.flush();
  }

  private statement(sql: string): Database.Statement {
    let s = this.updateCache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.updateCache.set(sql, s);
    }
    return s;
  }
}
