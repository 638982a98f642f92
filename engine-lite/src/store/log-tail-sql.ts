/** A step's log tail, for both stores: its line count, and its last lines in order (placeholders given). */
import { rowToLog, type Row } from './rows.js';
import type { StepLogTail, StoredLogEntry } from './types.js';

export const LOG_COUNT_SQL = (run: string, step = run): string =>
  `SELECT COUNT(*) AS n FROM logs WHERE run_id = ${run} AND step_id = ${step}`;

/** The column that orders a step's lines: the order they were stored in (attempt by attempt, batch by batch). */
const POSITION = { sqlite: 'rowid', postgres: 'pos' } as const;

export const LOG_TAIL_SQL = (dialect: 'sqlite' | 'postgres', run: string, step = run, limit = run): string =>
  `SELECT * FROM (SELECT ${dialect === 'sqlite' ? 'rowid AS pos, *' : '*'} FROM logs WHERE run_id = ${run} AND step_id = ${step} ` +
  `ORDER BY ${POSITION[dialect]} DESC LIMIT ${limit}) AS last ORDER BY pos`;

/**
 * Every step's tail of a run in one query (rows in no particular order; `tailsFromRows` orders
 * them). PostgreSQL: each step's count, then its last lines by a LATERAL top-N per step.
 * SQLite (no LATERAL): each step's count, and its last lines' rowids from the index, so that only
 * the kept lines' texts are read back. A step without lines has no row.
 */
export function runTailsSql(dialect: 'sqlite' | 'postgres', run: string, limit: string): string {
  if (dialect === 'postgres')
    return `SELECT t.*, c.total FROM (SELECT step_id, COUNT(*) AS total FROM logs WHERE run_id = ${run} GROUP BY step_id) c
      CROSS JOIN LATERAL (SELECT * FROM logs WHERE run_id = ${run} AND step_id = c.step_id
        ORDER BY pos DESC LIMIT ${limit}) t`;
  return `SELECT l.rowid AS pos, l.*, c.total FROM (SELECT step_id, COUNT(*) AS total FROM logs WHERE run_id = ${run} GROUP BY step_id) c
    JOIN logs l ON l.rowid IN (SELECT rowid FROM logs WHERE run_id = ${run} AND step_id = c.step_id
      ORDER BY rowid DESC LIMIT ${limit})`;
}

interface Positioned {
  line: StoredLogEntry;
  pos: number;
}

/** The rows of runTailsSql, step by step, each step's lines in its own order. */
export function tailsFromRows(rows: Row[]): Map<string, StepLogTail> {
  const byStep = new Map<string, { total: number; lines: Positioned[] }>();
  for (const r of rows) {
    const line = rowToLog(r);
    const step = byStep.get(line.stepId);
    if (step) step.lines.push({ line, pos: Number(r.pos) });
    else byStep.set(line.stepId, { total: Number(r.total), lines: [{ line, pos: Number(r.pos) }] });
  }
  const out = new Map<string, StepLogTail>();
  for (const [step, { total, lines }] of byStep)
    out.set(step, { total, tail: lines.sort((a, b) => a.pos - b.pos).map((p) => p.line) });
  return out;
}
