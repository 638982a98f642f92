/** The writes of a step's file and of an event, for both stores (`p` numbers the placeholders). */
import type { EventRecord, FileRecord } from './types.js';

export const putFileSql = (p: (i: number) => string): string =>
  `INSERT INTO files (run_id, step_id, name, sha256, size) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}) ` +
  'ON CONFLICT (run_id, step_id, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size';

export const addEventSql = (p: (i: number) => string): string =>
  `INSERT INTO events (run_id, step_id, type, data, ts) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`;

export const fileParams = (f: FileRecord): unknown[] => [f.runId, f.stepId, f.name, f.sha256, f.size];

export const eventParams = (e: EventRecord): unknown[] => [
  e.runId,
  e.stepId ?? null,
  e.type,
  JSON.stringify(e.data),
  e.ts,
];
