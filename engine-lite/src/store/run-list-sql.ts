/**
 * Listing and counting runs in SQL, the same in both dialects but for the placeholders and the
 * substring function: pages by id (the primary key; ids sort by creation time), filters on indexed
 * columns, labels matched in the queue entry's JSON text, counts with GROUP BY.
 */
import type { Row } from './rows.js';
import { rowToRun } from './rows.js';
import type { QueueEntryRecord, RunListFilter } from './run-queue-types.js';
import { rowToQueueEntry } from './run-queue-sql.js';
import type { RunRecord } from './types.js';

/** The queue entry's columns, read beside a run's as `q_<column>`. */
export const QUEUE_COLUMNS = ['run_id', 'owner', 'priority', 'seq', 'labels', 'rerun_of', 'admitted'];

export function listRunPageSql(
  dialect: 'sqlite' | 'postgres',
  f: RunListFilter,
  ph: (i: number) => string,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (cond: (p: string) => string, value: unknown): void => {
    params.push(value);
    where.push(cond(ph(params.length)));
  };
  if (f.before !== undefined) add((p) => `r.id < ${p}`, f.before);
  if (f.status !== undefined) add((p) => `r.status = ${p}`, f.status);
  if (f.pipeline !== undefined) add((p) => `r.pipeline_name = ${p}`, f.pipeline);
  if (f.label !== undefined) {
    // Labels are stored as JSON.stringify'd text: `"key":"value"` appears in it exactly when the label is set.
    const needle = `${JSON.stringify(f.label.key)}:${JSON.stringify(f.label.value)}`;
    add((p) => (dialect === 'sqlite' ? `instr(q.labels, ${p}) > 0` : `strpos(q.labels, ${p}) > 0`), needle);
  }
  params.push(f.limit);
  const sql = `SELECT r.*, ${QUEUE_COLUMNS.map((c) => `q.${c} AS q_${c}`).join(', ')}
    FROM runs r LEFT JOIN run_queue q ON q.run_id = r.id
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY r.id DESC LIMIT ${ph(params.length)}`;
  return { sql, params };
}

export function rowToListedRun(row: Row): { run: RunRecord; queue?: QueueEntryRecord } {
  const run = rowToRun(row);
  if (row.q_run_id === null || row.q_run_id === undefined) return { run };
  const q: Row = {};
  for (const c of QUEUE_COLUMNS) q[c] = row[`q_${c}`];
  return { run, queue: rowToQueueEntry(q) };
}

export const COUNT_BY_STATUS = 'SELECT status, COUNT(*) AS n FROM runs GROUP BY status';

export const queueDepthSql = (ph: (i: number) => string): string =>
  `SELECT COUNT(*) AS n FROM run_queue q JOIN runs r ON r.id = q.run_id
   WHERE q.owner = ${ph(1)} AND q.admitted = 0 AND r.status = 'queued'`;

export function countsFromRows(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r.status)] = Number(r.n);
  return out;
}
