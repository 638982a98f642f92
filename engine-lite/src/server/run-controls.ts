/** Checks and writes behind the run controls that do not touch the service's own state. */
import { writeApproval } from '../approvals.js';
import type { EngineStore } from '../store/types.js';
import { ApiError, notFound } from './api-error.js';
import { FINAL } from './service-queue.js';

export async function approveStep(
  store: EngineStore,
  home: string,
  runId: string,
  stepId: string,
  o: { reject?: boolean; comment?: string; by: string },
): Promise<void> {
  const run = await store.getRun(runId);
  if (!run) throw notFound(`no run ${runId}`, 'list runs with GET /v1/runs');
  if (!run.pipeline.steps.some((s) => s.id === stepId))
    throw notFound(
      `run ${runId} has no step "${stepId}"`,
      `its steps: ${run.pipeline.steps.map((s) => s.id).join(', ')}`,
    );
  writeApproval(home, runId, stepId, o);
}

/** A priority changes while a run in a server's queue has not ended. */
export async function checkPriorityChange(store: EngineStore, runId: string): Promise<void> {
  const entry = await store.queueEntry(runId);
  const run = await store.getRun(runId);
  if (!entry || !run) throw notFound(`no run ${runId} in a server's queue`, 'list the queue with GET /v1/queue');
  if (FINAL.has(run.status))
    throw new ApiError(
      409,
      'run-ended',
      `run ${runId} has ended (${run.status})`,
      'a priority changes until a run ends',
    );
}
