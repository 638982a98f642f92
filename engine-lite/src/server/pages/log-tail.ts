/**
 * What a run page shows of each step's log: its tail, bounded in lines and characters per step and
 * for the whole page, so a 10 MB log still gives a small page (the rest is in the step's log.txt,
 * and the live stream continues from the last line counted).
 */
import type { StoredLogEntry } from '../../store/types.js';

export const TAIL_LINES = 200;
export const TAIL_CHARS_PER_STEP = 64 * 1024;
export const TAIL_CHARS_PER_PAGE = 1024 * 1024;

export interface StepLog {
  /** Lines the step has in all: the live stream starts after them. */
  total: number;
  tail: StoredLogEntry[];
}

/**
 * Each step's line count and its last lines (at most `limit`), in its own order, for the whole run
 * at once: `store.getRunLogTails` (steps without lines may be absent).
 */
export type RunTailReader = (limit: number) => Promise<ReadonlyMap<string, StepLog>>;

/** The store's log lines of a run, per step, in each step's own order. */
export function linesByStep(all: StoredLogEntry[]): Map<string, StoredLogEntry[]> {
  const by = new Map<string, StoredLogEntry[]>();
  for (const l of all) {
    const list = by.get(l.stepId);
    if (list) list.push(l);
    else by.set(l.stepId, [l]);
  }
  for (const list of by.values())
    list.sort((a, b) => (a.taskId === b.taskId ? a.seq - b.seq : a.taskId < b.taskId ? -1 : 1));
  return by;
}

/** Each step's tail, read in one go (only the last TAIL_LINES of each), then cut to the character budgets. */
export async function logTails(read: RunTailReader, stepOrder: readonly string[]): Promise<Map<string, StepLog>> {
  const out = new Map<string, StepLog>();
  const stored = await read(TAIL_LINES);
  let pageLeft = TAIL_CHARS_PER_PAGE;
  for (const step of stepOrder) {
    const { total, tail: lines } = stored.get(step) ?? { total: 0, tail: [] };
    let chars = 0;
    let first = lines.length;
    const budget = Math.min(TAIL_CHARS_PER_STEP, pageLeft);
    while (first > 0 && lines.length - first < TAIL_LINES) {
      const next = chars + lines[first - 1]!.text.length + 1;
      if (next > budget) break;
      chars = next;
      first--;
    }
    pageLeft -= chars;
    out.set(step, { total, tail: lines.slice(first) });
  }
  return out;
}

/**
 * The tails of ended runs, whose logs no longer change: reading them costs more than rendering a
 * page, so an ended run's tails are read once (bounded entries).
 */
export class EndedRunTails {
  private readonly kept = new Map<string, Map<string, StepLog>>();

  constructor(private readonly entries = 20) {}

  async get(
    runId: string,
    ended: boolean,
    read: RunTailReader,
    stepOrder: readonly string[],
  ): Promise<Map<string, StepLog>> {
    // A failed run can be resumed: once it lives again, what was kept is stale.
    if (!ended) this.kept.delete(runId);
    const hit = ended ? this.kept.get(runId) : undefined;
    if (hit) return hit;
    const tails = await logTails(read, stepOrder);
    if (!ended) return tails;
    if (this.kept.size >= this.entries) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(runId, tails);
    return tails;
  }
}
