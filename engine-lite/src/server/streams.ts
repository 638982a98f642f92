/**
 * Server-Sent Events for a run: its status changes (`events`) and its log lines (`logs`, followed by
 * polling the store for the lines after the last one sent: log-cursor.ts). Each stream ends when
 * the run ends; one whose client went away stops at once and leaves nothing behind (its listener
 * and timer are counted in `open`).
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine.js';
import type { EngineEvent } from '../engine-deps.js';
import type { RunStatus } from '../status.js';
import { LogCursor } from './log-cursor.js';

const FINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

export class RunStreams {
  /** Streams open now: each holds one engine listener or one poll timer. */
  open = 0;

  constructor(
    private readonly engine: Engine,
    private readonly clock: Clock,
    private readonly pollMs = 250,
  ) {}

  static startSse(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Headers go out now, not with the first event: a quiet run's client knows it is connected.
    res.write(': connected\n\n');
  }

  private static send(res: ServerResponse, event: string, data: unknown): void {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Streams the run's status changes, starting with where it stands now, until it ends. */
  async events(runId: string, res: ServerResponse, closed: Promise<void>): Promise<void> {
    const store = this.engine.store;
    this.open++;
    let finish!: () => void;
    const ended = new Promise<void>((r) => (finish = r));
    const off = this.engine.on((e: EngineEvent) => {
      if (e.runId !== runId) return;
      RunStreams.send(res, e.type, e);
      if (e.type === 'run' && FINAL.has(e.status)) finish();
    });
    try {
      const run = await store.getRun(runId);
      const steps = await store.getSteps(runId);
      RunStreams.send(res, 'snapshot', {
        status: run?.status,
        steps: steps.map((s) => ({ id: s.stepId, status: s.status, attempt: s.attempt })),
      });
      if (!run || FINAL.has(run.status)) finish();
      await Promise.race([ended, closed]);
      RunStreams.send(res, 'end', { status: (await store.getRun(runId))?.status });
    } finally {
      off();
      this.open--;
      res.end();
    }
  }

  /** Streams log lines (of one step, or all) from the first, until the run ends and the last line is sent. */
  async logs(runId: string, stepId: string | undefined, follow: boolean, res: ServerResponse, closed: Promise<void>) {
    const store = this.engine.store;
    this.open++;
    const cursor = new LogCursor(store, runId);
    let gone = false;
    void closed.then(() => (gone = true));
    const flush = async (): Promise<void> => {
      const steps = stepId !== undefined ? [stepId] : (await store.getSteps(runId)).map((s) => s.stepId);
      for (const { pos: _pos, ...line } of await cursor.nextOfSteps(steps)) RunStreams.send(res, 'log', line);
    };
    let stopTimer: (() => void) | undefined;
    try {
      for (;;) {
        const status = (await store.getRun(runId))?.status;
        await flush();
        if (!follow || gone || status === undefined || FINAL.has(status)) break;
        await Promise.race([new Promise<void>((r) => (stopTimer = this.clock.setTimer(this.pollMs, r))), closed]);
        stopTimer?.();
        stopTimer = undefined;
      }
      if (!gone) RunStreams.send(res, 'end', { status: (await store.getRun(runId))?.status, lines: cursor.sent });
    } finally {
      stopTimer?.();
      this.open--;
      res.end();
    }
  }
}
