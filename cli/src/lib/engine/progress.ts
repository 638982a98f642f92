/**
 * Live progress of a run: on a terminal, a compact tree (steps indented under the step they need)
 * redrawn in place; otherwise (not a TTY, or `CI` set) one plain line per change:
 * `HH:MM:SS step <id> <status> (<duration>)`.
 */
import type { Pipeline } from '@caravan/spec';
import type { EngineEvent } from '@caravan/engine';
import { clock, duration, STATUS_MARK } from './format.js';

/** What the progress needs of a pipeline: its steps and what each needs (a server's run view has the same). */
export interface StepGraph {
  steps: ReadonlyArray<Pick<Pipeline['steps'][number], 'id' | 'needs'>>;
}

export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
}

export class ProgressPrinter {
  private readonly status = new Map<
    string,
    { status: string; startedAt?: number; endedAt?: number; attempt: number }
  >();
  private readonly depth = new Map<string, number>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  readonly live: boolean;

  constructor(
    private readonly pipeline: StepGraph,
    private readonly out: ProgressOutput,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.live = !!out.isTTY && !env.CI;
    for (const s of pipeline.steps) {
      this.status.set(s.id, { status: 'queued', attempt: 0 });
      this.depth.set(s.id, Math.max(0, ...s.needs.map((n) => (this.depth.get(n) ?? 0) + 1)));
    }
  }

  onEvent = (e: EngineEvent): void => {
    if (e.type === 'step') {
      this.status.set(e.stepId, { status: e.status, startedAt: e.startedAt, endedAt: e.endedAt, attempt: e.attempt });
      if (!this.live) {
        const final = e.status !== 'running' && e.status !== 'queued';
        const took =
          final && e.startedAt !== undefined && e.endedAt !== undefined
            ? ` (${duration(e.endedAt - e.startedAt)})`
            : '';
        const attempt = e.attempt > 1 && e.status === 'running' ? ` (attempt ${e.attempt})` : '';
        this.out.write(`${clock(e.ts)} step ${e.stepId} ${e.status}${took}${attempt}\n`);
      } else {
        this.schedule();
      }
    }
  };

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, 80);
  }

  draw(): void {
    if (!this.live) return;
    // Running steps show their time so far: redraw every second even without events.
    this.ticker ??= setInterval(() => this.draw(), 1000).unref();
    const now = Date.now();
    const lines = this.pipeline.steps.map((s) => {
      const st = this.status.get(s.id)!;
      const took = st.startedAt !== undefined ? duration((st.endedAt ?? now) - st.startedAt) : '';
      const retry = st.attempt > 1 ? ` #${st.attempt}` : '';
      return `${'  '.repeat(Math.min(this.depth.get(s.id) ?? 0, 8))}${STATUS_MARK[st.status] ?? ' '} ${s.id} ${st.status}${retry} ${took}`.trimEnd();
    });
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = lines.length;
  }

  finish(runId: string, status: string, ms: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draw();
    clearInterval(this.ticker);
    this.out.write(`${this.live ? '' : `${clock(Date.now())} `}run ${runId} ${status} (${duration(ms)})\n`);
  }
}
