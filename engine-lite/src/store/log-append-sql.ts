/**
 * A log batch written as blocks (log-blocks.ts), one row per block: SQLite one INSERT per block,
 * PostgreSQL the whole batch in one INSERT from arrays (`unnest`), positions in block order.
 */
import type { LogBlock } from './log-blocks.js';

const COLUMNS = 'run_id, step_id, task_id, seq, first_idx, lines, stream, ts, text';

/** SQLite: one block; parameters run, step, task, seq, first index, lines, stream, ts, text. */
export const SQLITE_APPEND_BLOCK = `INSERT INTO log_blocks (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** SQLite: the parameters of one block. */
export function sqliteBlockParams(runId: string, stepId: string, taskId: string, seq: number, b: LogBlock): unknown[] {
  return [runId, stepId, taskId, seq, b.firstIdx, b.lines, b.stream, b.ts, b.text];
}

/** PostgreSQL: the whole batch; parameters run, step, task, seq, then the arrays of postgresArrays. */
export const POSTGRES_APPEND_BATCH =
  `INSERT INTO log_blocks (${COLUMNS}) SELECT $1, $2, $3, $4, b.first_idx, b.lines, b.stream, b.ts, b.text ` +
  'FROM unnest($5::int[], $6::int[], $7::text[], $8::bigint[], $9::text[]) ' +
  'WITH ORDINALITY AS b(first_idx, lines, stream, ts, text, i) ORDER BY b.i';

/** The PostgreSQL arrays of a batch's blocks: first indexes, line counts, streams, times, texts. */
export function postgresArrays(blocks: LogBlock[]): [number[], number[], string[], number[], string[]] {
  return [
    blocks.map((b) => b.firstIdx),
    blocks.map((b) => b.lines),
    blocks.map((b) => b.stream),
    blocks.map((b) => b.ts),
    blocks.map((b) => b.text),
  ];
}
