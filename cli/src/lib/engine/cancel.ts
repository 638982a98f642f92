/**
 * `caravan cancel`: flags the run in the store. A live engine (its pid recorded with the run)
 * polls the flag and stops the run itself; when no engine drives the run, the run is cancelled here:
 * running process tasks are stopped and every unfinished step is marked cancelled.
 */
import { ProcessExecutor, isAlive } from '@caravan/engine';
import { enginePaths, caravanHome } from '@caravan/engine';
import type { EngineStore } from '@caravan/engine';

export async function cancelRun(
  store: EngineStore,
  runId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: boolean; message: string }> {
  const run = await store.getRun(runId);
  if (!run) return { ok: false, message: `no run ${runId}: see caravan runs list` };
  if (run.status === 'success' || run.status === 'failed' || run.status === 'cancelled' || run.status === 'error') {
    return { ok: false, message: `run ${runId} already ended (${run.status})` };
  }
  await store.updateRun(runId, { cancelRequested: true });
  if (run.enginePid !== undefined && isAlive(run.enginePid)) {
    return { ok: true, message: `cancel requested: engine process ${run.enginePid} is stopping run ${runId}` };
  }
  const executor = new ProcessExecutor({ stateDir: enginePaths(caravanHome(env)).tasks, agentPath: '' });
  const now = Date.now();
  for (const s of await store.getSteps(runId)) {
    if (s.status === 'running' && s.executor === 'process' && s.taskId)
      await executor.cancel(s.taskId).catch(() => undefined);
    if (s.status === 'queued' || s.status === 'running') {
      await store.updateStep(runId, s.stepId, {
        status: 'cancelled',
        endedAt: now,
        error: 'the run was cancelled',
        retryAt: undefined,
      });
      await store.addEvent({
        runId,
        stepId: s.stepId,
        type: 'step.cancelled',
        data: { by: 'caravan cancel' },
        ts: now,
      });
    } else if (s.retryAt !== undefined) {
      await store.updateStep(runId, s.stepId, { retryAt: undefined });
    }
  }
  await store.updateRun(runId, { status: 'cancelled', endedAt: now });
  await store.addEvent({ runId, type: 'run.cancelled', data: { by: 'caravan cancel' }, ts: now });
  return { ok: true, message: `run ${runId} cancelled (no engine was driving it)` };
}
