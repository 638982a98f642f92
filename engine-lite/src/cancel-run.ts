/**
 * `caravan cancel`: flags the run in the store. A live engine (its pid recorded with the run)
 * polls the flag and stops the run itself; when no engine drives the run, the run is cancelled here:
 * running process tasks are stopped and every unfinished step is marked cancelled.
 */
import { systemClock } from './clock.js';
import { isAlive } from '@caravan/registry';
import { ProcessExecutor } from './executors/process.js';
import { textMasker } from './masking.js';
import { enginePaths, caravanHome } from './paths.js';
import { RunRecorder } from './run-recorder.js';
import type { EngineStore } from './store/types.js';

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
  const steps = await store.getSteps(runId);
  const deps = { store, clock: systemClock, masker: textMasker([]), emit: () => undefined };
  const recorder = new RunRecorder(deps, runId, steps);
  await recorder.cancelRequested();
  if (run.enginePid !== undefined && isAlive(run.enginePid)) {
    return { ok: true, message: `cancel requested: engine process ${run.enginePid} is stopping run ${runId}` };
  }
  const executor = new ProcessExecutor({ stateDir: enginePaths(caravanHome(env)).tasks, agentPath: '' });
  const by = { by: 'caravan cancel' };
  for (const s of steps) {
    const { stepId, taskId } = s;
    if (s.status === 'running' && s.executor === 'process' && taskId) {
      await executor
        .cancel(taskId)
        .catch((err) => recorder.failure('executor.error', err, stepId, { op: 'cancel', taskId }));
    }
    if (s.status === 'queued' || s.status === 'running') {
      const patch = { status: 'cancelled' as const, endedAt: systemClock.now(), error: 'the run was cancelled' };
      await recorder.stepChanged(stepId, { ...patch, retryAt: undefined }, by);
    } else if (s.retryAt !== undefined) {
      await recorder.stepChanged(stepId, { retryAt: undefined });
    }
  }
  await recorder.runEnded('cancelled', by);
  return { ok: true, message: `run ${runId} cancelled (no engine was driving it)` };
}
