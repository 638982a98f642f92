/**
 * A log batch written in a few statements, not one per line: lines come in runs of one stream and
 * time (a record of log records is one run), and each run is inserted from one JSON array of its
 * texts (SQLite, `json_each`) or the whole batch from three arrays (PostgreSQL, `unnest`).
 */
import type { StoredLogEntry } from './types.js';

export type NewLogEntry = Omit<StoredLogEntry, 'stepId' | 'taskId' | 'seq'>;

export interface LogRun {
  /** The index in the batch of the run's first line. */
  start: number;
  stream: NewLogEntry['stream'];
  ts: number;
  texts: string[];
}

/** Consecutive entries of one stream and time, as runs. */
export function logRuns(entries: NewLogEntry[]): LogRun[] {
  const runs: LogRun[] = [];
  let run: LogRun | undefined;
  entries.forEach((e, i) => {
    if (!run || run.stream !== e.stream || run.ts !== e.ts) {
      run = { start: i, stream: e.stream, ts: e.ts, texts: [] };
      runs.push(run);
    }
    run.texts.push(storable(e.text));
  });
  return runs;
}

/**
 * A text both stores keep as it is: PostgreSQL refuses NUL in text, and a lone surrogate has no
 * UTF-8 form; each becomes U+FFFD, on both stores alike.
 */
export function storable(text: string): string {
  const clean = (text.includes('\0') ? text.replaceAll('\0', '\ufffd') : text) as WellFormedString;
  return clean.isWellFormed() ? clean : clean.toWellFormed();
}

/** ES2024 string methods, in Node since 20; TypeScript's lib here predates them. */
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/** SQLite: one run; parameters run, step, task, seq, first index, stream, ts, JSON array of texts. */
export const SQLITE_APPEND_RUN =
  'INSERT INTO logs (run_id, step_id, task_id, seq, idx, stream, text, ts) ' +
  'SELECT ?, ?, ?, ?, ? + key, ?, value, ? FROM json_each(?) ORDER BY key';

/** PostgreSQL: the whole batch; parameters run, step, task, seq, then arrays of streams, texts and times. */
export const POSTGRES_APPEND_BATCH =
  'INSERT INTO logs (run_id, step_id, task_id, seq, idx, stream, text, ts) ' +
  'SELECT $1, $2, $3, $4, t.i - 1, t.stream, t.text, t.ts ' +
  'FROM unnest($5::text[], $6::text[], $7::bigint[]) WITH ORDINALITY AS t(stream, text, ts, i) ORDER BY t.i';

/** The PostgreSQL arrays of a batch. */
export function postgresArrays(entries: NewLogEntry[]): [string[], string[], number[]] {
  return [entries.map((e) => e.stream), entries.map((e) => storable(e.text)), entries.map((e) => e.ts)];
}
