/**
 * What a run started by a trigger claims, recorded in the transaction that stores the run: a
 * schedule tick (once ever) or a webhook delivery (once within a window). The primary keys make
 * the claim exclusive, so two servers on one PostgreSQL racing for the same tick store one run.
 * The SQL is the same in both dialects but for the placeholders.
 */

export type RunClaim =
  | { kind: 'tick'; pipeline: string; schedule: number; tick: number }
  /** A delivery received before `since` no longer counts: the same id may start a run again. */
  | { kind: 'delivery'; pipeline: string; delivery: string; at: number; since: number };

export interface ClaimStatement {
  sql: string;
  params: unknown[];
}

/**
 * The statements to run, in order, inside the run's transaction; the claim holds when the last
 * one changed a row. `ph(i)` is the dialect's i-th placeholder (1-based).
 */
export function claimStatements(c: RunClaim, runId: string, ph: (i: number) => string): ClaimStatement[] {
  if (c.kind === 'tick')
    return [
      {
        sql: `INSERT INTO fired_ticks (pipeline, schedule, tick, run_id) VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)})
              ON CONFLICT DO NOTHING`,
        params: [c.pipeline, c.schedule, c.tick, runId],
      },
    ];
  return [
    {
      sql: `DELETE FROM hook_deliveries WHERE pipeline = ${ph(1)} AND delivery = ${ph(2)} AND received_at < ${ph(3)}`,
      params: [c.pipeline, c.delivery, c.since],
    },
    {
      sql: `INSERT INTO hook_deliveries (pipeline, delivery, run_id, received_at)
            VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${ph(4)}) ON CONFLICT DO NOTHING`,
      params: [c.pipeline, c.delivery, runId, c.at],
    },
  ];
}
