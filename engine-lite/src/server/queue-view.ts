/** `GET /v1/queue`: the runs driven now and the runs queued, each with its place and why it waits. */
import type { StepSlots } from '../step-slots.js';
import type { QueueEntryRecord, QueuePlace, RunRecord } from '../store/types.js';
import { ApiError } from './api-error.js';
import { groupOf } from './concurrency-groups.js';
import { waitReason } from './run-queue.js';

export interface QueueEntry {
  runId: string;
  pipelineName: string;
  state: 'queued' | 'running';
  priority: number;
  labels: Record<string, string>;
  /** Queued runs: 0-based place among them. Running runs: place among the runs whose steps wait for a slot. */
  position?: number;
  reason?: string;
}

export function runningEntry(run: RunRecord, meta: QueueEntryRecord, slots: StepSlots): QueueEntry {
  const forSlot = slots.waiting();
  const at = forSlot.findIndex((w) => w.runId === run.id);
  const busy = [...slots.inUse.values()].reduce((a, b) => a + b, 0);
  return {
    runId: run.id,
    pipelineName: run.pipelineName,
    state: 'running',
    priority: meta.priority,
    labels: meta.labels,
    ...(at >= 0
      ? { position: at, reason: `a step waits for a ${forSlot[at]!.kind} slot (${busy} steps running)` }
      : {}),
  };
}

export function queuedEntry(
  w: { entry: QueueEntryRecord; run: RunRecord; heldBy?: string },
  position: number,
  stopping: string | undefined,
  driven: number,
  maxRuns: number,
): QueueEntry {
  return {
    runId: w.run.id,
    pipelineName: w.run.pipelineName,
    state: 'queued',
    priority: w.entry.priority,
    labels: w.entry.labels,
    position,
    reason:
      stopping ??
      (w.heldBy
        ? `waiting for its concurrency group "${groupOf(w.run)}" (run ${w.heldBy} holds it)`
        : waitReason(position, driven, maxRuns)),
  };
}

/** Where a page of `GET /v1/queue` starts: after this place, its first run at this position. */
export interface QueueCursor extends QueuePlace {
  position: number;
}

export function encodeQueueCursor(after: QueuePlace, position: number): string {
  return `${after.priority}.${after.seq}.${position}`;
}

const CURSOR = /^(-?[0-9]{1,4})\.([0-9]{1,15})\.([0-9]{1,9})$/;

export function parseQueueCursor(text: string | undefined): QueueCursor | undefined {
  if (text === undefined) return undefined;
  const m = CURSOR.exec(text);
  if (!m)
    throw new ApiError(
      400,
      'invalid-query',
      `cursor "${text.slice(0, 40)}" is not a queue cursor`,
      'pass the "next" of the previous page of GET /v1/queue',
    );
  return { priority: Number(m[1]), seq: Number(m[2]), position: Number(m[3]) };
}
