/**
 * A page of a server's waiting queue entries with their runs, in queue order (priority, then
 * arrival; index run_queue_order), after the last entry of the previous page. Both dialects.
 */
import { QUEUE_COLUMNS } from './run-list-sql.js';
import type { QueuePlace } from './run-queue-types.js';

export function waitingRunsSql(
  owner: string,
  limit: number,
  after: QueuePlace | undefined,
  ph: (i: number) => string,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [owner];
  let from = '';
  if (after) {
    params.push(after.priority, after.priority, after.seq);
    // The first condition is the index's: the scan starts at the page's priority, not at the head.
    from = `AND q.priority <= ${ph(2)} AND (q.priority < ${ph(3)} OR q.seq > ${ph(4)})`;
  }
  params.push(limit);
  const sql = `SELECT r.*, ${QUEUE_COLUMNS.map((c) => `q.${c} AS q_${c}`).join(', ')}
    FROM run_queue q JOIN runs r ON r.id = q.run_id
    WHERE q.owner = ${ph(1)} AND q.admitted = 0 ${from}
    ORDER BY q.priority DESC, q.seq LIMIT ${ph(params.length)}`;
  return { sql, params };
}
