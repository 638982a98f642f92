/**
 * The queue entries' SQL, the same in both dialects but for the placeholders (`ph(i)`, 1-based)
 * and how the arrival number is drawn (SQLite: the next after the highest, inside the run's
 * transaction; PostgreSQL: a sequence).
 */
import type { Row } from './rows.js';
import type { NewQueueEntry, QueueEntryPatch, QueueEntryRecord } from './run-queue-types.js';

export interface QueueStatement {
  sql: string;
  params: unknown[];
}

type Placeholder = (i: number) => string;

const FINAL = `('success', 'failed', 'cancelled')`;

/** `adopted`: an entry from an older server.db, kept as it was (admitted or not); nothing when the run has one. */
export function insertQueueEntry(
  dialect: 'sqlite' | 'postgres',
  runId: string,
  e: NewQueueEntry,
  ph: Placeholder,
  adopted?: { admitted: boolean },
): QueueStatement {
  const seq = dialect === 'sqlite' ? '(SELECT COALESCE(MAX(seq), 0) + 1 FROM run_queue)' : `nextval('run_queue_seq')`;
  return {
    sql: `INSERT INTO run_queue (run_id, owner, priority, seq, labels, rerun_of, admitted)
          VALUES (${ph(1)}, ${ph(2)}, ${ph(3)}, ${seq}, ${ph(4)}, ${ph(5)}, ${ph(6)})
          ${adopted ? 'ON CONFLICT (run_id) DO NOTHING' : ''}`,
    params: [runId, e.owner, e.priority, JSON.stringify(e.labels), e.rerunOf ?? null, adopted?.admitted ? 1 : 0],
  };
}

export const selectQueueEntry = (ph: Placeholder): string => `SELECT * FROM run_queue WHERE run_id = ${ph(1)}`;

export const selectAdmittedUnfinished = (ph: Placeholder): string =>
  `SELECT q.* FROM run_queue q JOIN runs r ON r.id = q.run_id
   WHERE q.owner = ${ph(1)} AND q.admitted = 1 AND r.status NOT IN ${FINAL} ORDER BY q.priority DESC, q.seq`;

export function updateQueueEntry(runId: string, patch: QueueEntryPatch, ph: Placeholder): QueueStatement | undefined {
  const cols: Array<[string, unknown]> = [];
  if (patch.priority !== undefined) cols.push(['priority', patch.priority]);
  if (patch.admitted) cols.push(['admitted', 1]);
  if (cols.length === 0) return undefined;
  return {
    sql: `UPDATE run_queue SET ${cols.map(([c], i) => `${c} = ${ph(i + 1)}`).join(', ')} WHERE run_id = ${ph(cols.length + 1)}`,
    params: [...cols.map(([, v]) => v), runId],
  };
}

export function rowToQueueEntry(r: Row): QueueEntryRecord {
  return {
    runId: String(r.run_id),
    owner: String(r.owner),
    priority: Number(r.priority),
    seq: Number(r.seq),
    labels: JSON.parse(String(r.labels)) as Record<string, string>,
    ...(r.rerun_of !== null && r.rerun_of !== undefined ? { rerunOf: String(r.rerun_of) } : {}),
    admitted: Number(r.admitted) === 1,
  };
}
