/**
 * Where a follower stands in each step's log: the position of the last line it was sent. Each
 * look reads only the lines stored after it (one indexed query per step), so following a long
 * log costs what is new, not the whole log.
 */
import type { EngineStore, PositionedLogEntry } from '../store/types.js';

const PAGE = 2000;

export class LogCursor {
  private readonly after = new Map<string, number>();
  /** Lines sent so far, over all steps. */
  sent = 0;

  constructor(
    private readonly store: EngineStore,
    private readonly runId: string,
  ) {}

  /** Starts a step after its first `count` lines (the ones a page already shows). */
  async skip(stepId: string, count: number): Promise<void> {
    this.after.set(stepId, await this.store.logPosition(this.runId, stepId, count));
  }

  /** The step's lines stored since the last look, in order. */
  async next(stepId: string): Promise<PositionedLogEntry[]> {
    const out: PositionedLogEntry[] = [];
    for (;;) {
      const page = await this.store.getLogsAfter(this.runId, stepId, this.after.get(stepId) ?? 0, PAGE);
      if (page.length === 0) break;
      out.push(...page);
      this.after.set(stepId, page.at(-1)!.pos);
      if (page.length < PAGE) break;
    }
    this.sent += out.length;
    return out;
  }

  /** Every step's new lines, merged in the order they were written (time, then position). */
  async nextOfSteps(stepIds: readonly string[]): Promise<PositionedLogEntry[]> {
    const all: PositionedLogEntry[] = [];
    for (const id of stepIds) all.push(...(await this.next(id)));
    return all.sort((a, b) => a.ts - b.ts || a.pos - b.pos);
  }
}
