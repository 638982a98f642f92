/** A step's log tail, for both stores: its line count, and its last lines in order (placeholders given). */
export const LOG_COUNT_SQL = (run: string, step = run): string =>
  `SELECT COUNT(*) AS n FROM logs WHERE run_id = ${run} AND step_id = ${step}`;

export const LOG_TAIL_SQL = (run: string, step = run, limit = run): string =>
  `SELECT * FROM (SELECT * FROM logs WHERE run_id = ${run} AND step_id = ${step} ` +
  `ORDER BY task_id DESC, seq DESC, idx DESC LIMIT ${limit}) AS last ORDER BY task_id, seq, idx`;
