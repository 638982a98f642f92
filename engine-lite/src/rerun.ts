/**
 * A rerun: a new run of a stored run's pipeline, params and executor, linked to it by the event
 * `run.rerun`. With `failedOnly`, the old run's succeeded steps are taken over as they ended —
 * status, outputs, files, exports and summary — so only the rest runs (Erda's "retry failed nodes").
 */
import type { Engine } from './engine.js';
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
  ))!;
  const reused: string[] = [];
  if (o.failedOnly) {
    const oldSteps = await store.getSteps(oldId);
    const files = await store.getFiles(oldId);
    const events = await store.getEvents(oldId);
    for (const s of oldSteps) {
      if (s.status !== 'success') continue;
      reused.push(s.stepId);
      for (const f of files.filter((x) => x.stepId === s.stepId)) await store.putFile({ ...f, runId: run.id });
      for (const e of events)
        if (e.stepId === s.stepId && CARRIED_EVENTS.has(e.type) && e.data.taskId === s.taskId)
          await store.addEvent({ runId: run.id, stepId: e.stepId, type: e.type, data: e.data, ts: e.ts });
      await store.updateStep(run.id, s.stepId, {
        status: 'success',
        attempt: s.attempt,
        outputs: s.outputs,
        ...(s.taskId !== undefined ? { taskId: s.taskId } : {}),
        ...(s.executor !== undefined ? { executor: s.executor } : {}),
        ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
        ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
        ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      });
    }
  }
  await store.addEvent({
    runId: run.id,
    type: 'run.rerun',
    data: { of: oldId, failedOnly: !!o.failedOnly, reused },
    ts: Date.now(),
  });
  return run;
}
