/**
 * The run page's live log: one Server-Sent Events stream for all the steps of a run (a browser
 * keeps few connections per host), starting after the lines the page already shows (`from`, per
 * step), polling the store until the run ends; a step is read until it has ended, then no more.
 * Lines go out as ANSI segments (ansi.ts), never as markup. A stream whose client went away stops
 * at once (it is counted in RunStreams.open).
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../clock.js';
import type { EngineStore } from '../../store/types.js';
import type { RunStreams } from '../streams.js';
import { ansiSegments } from './ansi.js';
import { LogCursor } from '../log-cursor.js';

const FINAL = new Set(['success', 'failed', 'cancelled', 'error']);
// No line is added after these, unless a retry is planned (`retryAt`); lost and error steps may be resumed.
const DONE_STEP = new Set(['success', 'failed', 'timeout', 'cancelled', 'skipped']);
const MAX_FROM_STEPS = 1000;

/** `a:12,b:3` → how many lines of each step the page has. Bad parts are ignored (the step starts at 0). */
export function parseFrom(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (text ?? '').split(',').slice(0, MAX_FROM_STEPS)) {
    const colon = part.lastIndexOf(':');
    if (colon <= 0) continue;
    const n = Number(part.slice(colon + 1));
    if (Number.isSafeInteger(n) && n >= 0) out.set(decodeURIComponent(part.slice(0, colon)), n);
  }
  return out;
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export async function followRunLogs(
  o: { store: EngineStore; clock: Clock; streams: RunStreams; pollMs: number },
  runId: string,
  from: Map<string, number>,
  res: ServerResponse,
  closed: Promise<void>,
): Promise<void> {
  o.streams.open++;
  const cursor = new LogCursor(o.store, runId);
  for (const [stepId, count] of from) await cursor.skip(stepId, count);
  let gone = false;
  void closed.then(() => (gone = true));
  let stopTimer: (() => void) | undefined;
  // A step seen ended at one poll is read once more (a last batch stored late), then never again.
  const ended = new Set<string>();
  const complete = new Set<string>();
  try {
    for (;;) {
      const status = (await o.store.getRun(runId))?.status;
      const steps = await o.store.getSteps(runId);
      for (const step of steps) {
        if (complete.has(step.stepId)) continue;
        if (DONE_STEP.has(step.status) && step.retryAt === undefined) {
          if (ended.has(step.stepId)) complete.add(step.stepId);
          ended.add(step.stepId);
        } else ended.delete(step.stepId);
        for (const l of await cursor.next(step.stepId))
          send(res, 'log', { step: step.stepId, stream: l.stream, segments: ansiSegments(l.text) });
      }
      if (gone || status === undefined || FINAL.has(status)) break;
      await Promise.race([new Promise<void>((r) => (stopTimer = o.clock.setTimer(o.pollMs, r))), closed]);
      stopTimer?.();
      stopTimer = undefined;
    }
    if (!gone) send(res, 'end', { status: (await o.store.getRun(runId))?.status });
  } finally {
    stopTimer?.();
    o.streams.open--;
    res.end();
  }
}
