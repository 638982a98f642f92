/**
 * A rerun: a new run of a stored run's pipeline, params and executor, linked to it by the event
 * `run.rerun`. With `failedOnly`, the old run's succeeded steps are taken over as they ended —
 * status, outputs, files, exports and summary — so only the rest runs (Erda's "retry failed nodes").
 */
import type { Engine } from './engine.js';
import type { TakeOver } from './run-creation.js';
import { EngineError } from './run-creation.js';
import type { NewQueueEntry, RunRecord } from './store/types.js';

const CARRIED_EVENTS = new Set(['step.exports', 'step.summary']);

export interface RerunOptions {
  failedOnly?: boolean;
  /** The secrets the new run will be given, when not the engine's own. */
  secretNames?: ReadonlySet<string>;
  /** The new run's id, when the caller fixes it. */
  id?: string;
  /** A server's queue entry, stored with the new run. */
  queue?: NewQueueEntry;
}

export async function rerun(engine: Engine, oldId: string, o: RerunOptions = {}): Promise<RunRecord> {
  const { store } = engine;
  const old = await store.getRun(oldId);
  if (!old) throw new EngineError(`no run ${oldId}: see caravan runs list`);
  if (old.status === 'queued' || old.status === 'running')
    throw new EngineError(`run ${oldId} is ${old.status}: rerun it once it has ended (or cancel it first)`);
  const reused: string[] = [];
  let takeOver: TakeOver | undefined;
  if (o.failedOnly) {
    const succeeded = (await store.getSteps(oldId)).filter((s) => s.status === 'success');
    const files = await store.getFiles(oldId);
    const events = await store.getEvents(oldId);
    reused.push(...succeeded.map((s) => s.stepId));
    // The new run and what it takes over are one write: a crash in between would run them again.
    takeOver = (runId, steps) => ({
      steps: steps.map((fresh) => {
        const s = succeeded.find((x) => x.stepId === fresh.stepId);
        return s ? { ...s, runId, order: fresh.order, retryAt: undefined, error: undefined } : fresh;
      }),
      carried: {
        files: files.filter((f) => reused.includes(f.stepId)).map((f) => ({ ...f, runId })),
        events: events
          .filter((e) => {
            const s = succeeded.find((x) => x.stepId === e.stepId);
            return s !== undefined && CARRIED_EVENTS.has(e.type) && e.data.taskId === s.taskId;
          })
          .map((e) => ({ runId, stepId: e.stepId, type: e.type, data: e.data, ts: e.ts })),
      },
    });
  }
  const run = (await engine.createClaimedRun(
    {
      ...(o.id ? { id: o.id } : {}),
      pipeline: old.pipeline,
      source: old.source,
      params: old.params as Record<string, string | number | boolean>,
      executor: old.executor,
      concurrency: old.concurrency,
      ...(old.event ? { event: old.event } : {}),
    },
    o.secretNames,
    undefined,
    o.queue,
    takeOver,
  ))!;
  await store.addEvent({
    runId: run.id,
    type: 'run.rerun',
    data: { of: oldId, failedOnly: !!o.failedOnly, reused },
    ts: Date.now(),
  });
  return run;
}
