/**
 * `caravan cancel`: flags the run in the store. A live engine (its pid recorded with the run)
 * polls the flag and stops the run itself; when no engine drives the run, the run is cancelled here:
 * the tasks of its running steps are stopped on their executors (SIGTERM; whatever still runs a
 * moment later is killed and removed) and every unfinished step is marked cancelled.
 */
import type { Clock } from './clock.js';
import { sleep, systemClock } from './clock.js';
import { defaultExecutors } from './executors/defaults.js';
import { isAlive } from '@caravan/registry';
import type { ExecutorSource } from './executors/registry.js';
import type { ActionExecutor } from './executors/types.js';
import { textMasker } from './masking.js';
import { enginePaths, caravanHome } from './paths.js';
import { RunRecorder } from './run-recorder.js';
import type { EngineStore, StepRecord } from './store/types.js';

export interface CancelRunOptions {
  /** Executors to stop tasks with; default the engine's defaults under `CARAVAN_HOME`. */
  executors?: ExecutorSource;
  /**
   * How long a task of a run with no engine may take to stop after SIGTERM before it is killed
   * (ms, default 1000), when its executor does not tell the grace period its agent was given.
   */
  stopWaitMs?: number;
  /** What the waits for tasks to stop read and sleep through; default the system clock. */
  clock?: Clock;
}

export async function cancelRun(
  store: EngineStore,
  runId: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: CancelRunOptions = {},
): Promise<{ ok: boolean; message: string }> {
  const run = await store.getRun(runId);
  if (!run) return { ok: false, message: `no run ${runId}: see caravan runs list` };
  if (run.status === 'success' || run.status === 'failed' || run.status === 'cancelled' || run.status === 'error') {
    return { ok: false, message: `run ${runId} already ended (${run.status})` };
  }
  const steps = await store.getSteps(runId);
  const clock = opts.clock ?? systemClock;
  const deps = { store, clock, masker: textMasker([]), emit: () => undefined };
  const recorder = new RunRecorder(deps, runId, steps);
  await recorder.cancelRequested();
  if (run.enginePid !== undefined && isAlive(run.enginePid)) {
    return { ok: true, message: `cancel requested: engine process ${run.enginePid} is stopping run ${runId}` };
  }
  const executors =
    opts.executors ?? defaultExecutors({ stateDir: enginePaths(caravanHome(env)).tasks, agentPath: '' });
  const stopping = steps.filter((s) => s.status === 'running' && s.taskId);
  const used = new Set<ActionExecutor>();
  const waits = { clock, fallbackMs: opts.stopWaitMs ?? 1000 };
  await Promise.all(stopping.map((s) => stopTask(s, executors, recorder, used, waits)));
  for (const ex of used) await (ex as { close?: () => Promise<void> }).close?.().catch(() => undefined);
  const by = { by: 'caravan cancel' };
  for (const s of steps) {
    if (s.status === 'queued' || s.status === 'running') {
      const patch = { status: 'cancelled' as const, endedAt: clock.now(), error: 'the run was cancelled' };
      await recorder.stepChanged(s.stepId, { ...patch, retryAt: undefined }, by);
    } else if (s.retryAt !== undefined) {
      await recorder.stepChanged(s.stepId, { retryAt: undefined });
    }
  }
  await recorder.runEnded('cancelled', by);
  return { ok: true, message: `run ${runId} cancelled (no engine was driving it)` };
}

/** After the grace period, how long an agent may take to kill its action, report and exit. */
export const AGENT_SLACK_MS = 2000;

/** How often a stopping task's state is read. */
export const STOP_POLL_MS = 50;

/**
 * SIGTERM to the task (a process group, a container, a Job deleted), then up to the grace period
 * its agent was given (when the executor tells it: process, docker) plus the agent's slack, or
 * `fallbackMs`, for it to end; whatever is left is killed and removed. A task that ends sooner is
 * removed at once. Failures are recorded as `executor.error` events.
 */
async function stopTask(
  s: StepRecord,
  executors: ExecutorSource,
  recorder: RunRecorder,
  used: Set<ActionExecutor>,
  waits: { clock: Clock; fallbackMs: number },
): Promise<void> {
  const taskId = s.taskId!;
  const kind = s.executor ?? 'process';
  const failed = (op: string) => (err: unknown) =>
    recorder.failure('executor.error', err, s.stepId, { op, taskId, executor: kind });
  let executor: ActionExecutor;
  try {
    executor = await executors.get(kind);
  } catch (err) {
    return failed('cancel')(err);
  }
  used.add(executor);
  try {
    await executor.cancel(taskId);
  } catch (err) {
    await failed('cancel')(err);
  }
  // The agent kills the action at the end of its grace period, then reports and exits.
  const grace = await executor.stopGraceSeconds?.(taskId).catch(() => undefined);
  const { clock } = waits;
  const until = clock.now() + (grace === undefined ? waits.fallbackMs : grace * 1000 + AGENT_SLACK_MS);
  while (clock.now() < until) {
    const state = await executor.status(taskId).catch(() => undefined);
    if (!state || state.phase === 'exited' || state.phase === 'gone') break;
    await sleep(clock, STOP_POLL_MS);
  }
  try {
    const pids = (await executor.reap?.(taskId)) ?? [];
    if (pids.length > 0) await recorder.event('step.leftovers', { taskId, pids }, s.stepId);
  } catch (err) {
    await failed('reap')(err);
  }
  await executor.remove(taskId).catch(failed('remove'));
}
