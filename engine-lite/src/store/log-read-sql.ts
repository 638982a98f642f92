/**
 * The reads of a step's log blocks (log-blocks.ts), the same SQL on both stores (`ph(i)` writes
 * placeholder i; each is used once, in order, so SQLite's `?` bind the same parameters). A tail or
 * a position needs only the blocks' line counts, read from the index (run_id, step_id, pos, lines);
 * texts are read only for the blocks kept.
 */
export type Placeholder = (i: number) => string;

export interface LogReadSql {
  /** run, step: a step's blocks in stored order. */
  stepBlocks: string;
  /** run: a run's blocks by time, then stored order. */
  runBlocks: string;
  /** run, step: the step's line count (`n`). */
  stepCount: string;
  /** run, step, limit, limit: the blocks holding the step's last `limit` lines, in order. */
  stepTail: string;
  /** run, limit: the blocks holding each step's last `limit` lines, with the step's `total`; in no order. */
  runTails: string;
  /** run, step, first block, blocks: the blocks from a position on, in order. */
  blocksFrom: string;
  /** run, step, count, count: the block holding the step's `count`-th line, or its last (`pos`, `lines`, `upto`). */
  lineBlock: string;
}

/** A running sum of line counts (`upto`: the lines so far, this block's included), from the end or the start. */
const RUNNING = (order: 'ASC' | 'DESC', partition = '') =>
  `SUM(lines) OVER (${partition}ORDER BY pos ${order} ROWS UNBOUNDED PRECEDING) AS upto`;

export function logReadSql(ph: Placeholder): LogReadSql {
  const step = `run_id = ${ph(1)} AND step_id = ${ph(2)}`;
  return {
    stepBlocks: `SELECT * FROM log_blocks WHERE ${step} ORDER BY pos`,
    runBlocks: `SELECT * FROM log_blocks WHERE run_id = ${ph(1)} ORDER BY ts, pos`,
    stepCount: `SELECT COALESCE(SUM(lines), 0) AS n FROM log_blocks WHERE ${step}`,
    stepTail: `SELECT b.*, k.upto FROM (SELECT pos, lines, ${RUNNING('DESC')}
        FROM (SELECT pos, lines FROM log_blocks WHERE ${step} ORDER BY pos DESC LIMIT ${ph(3)}) l) k
      JOIN log_blocks b ON b.pos = k.pos WHERE k.upto - k.lines < ${ph(4)} ORDER BY b.pos`,
    runTails: `SELECT b.*, k.upto, k.total FROM (SELECT pos, lines, ${RUNNING('DESC', 'PARTITION BY step_id ')},
        SUM(lines) OVER (PARTITION BY step_id) AS total FROM log_blocks WHERE run_id = ${ph(1)}) k
      JOIN log_blocks b ON b.pos = k.pos WHERE k.upto - k.lines < ${ph(2)}`,
    blocksFrom: `SELECT * FROM log_blocks WHERE ${step} AND pos >= ${ph(3)} ORDER BY pos LIMIT ${ph(4)}`,
    lineBlock: `SELECT pos, lines, upto FROM (SELECT pos, lines, ${RUNNING('ASC')}
        FROM (SELECT pos, lines FROM log_blocks WHERE ${step} ORDER BY pos LIMIT ${ph(3)}) l) k
      WHERE upto - lines < ${ph(4)} ORDER BY pos DESC LIMIT 1`,
  };
}
