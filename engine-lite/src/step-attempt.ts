/**
 * One attempt of one step, from its executor slot to its recorded end, in this order:
 *   beforeQueuePop hooks → inputs → beforeStepStart hooks → executor and workspace
 *   → recorded: `step.running` (attempt, task id) and `step.callback` (port, token digest)
 *   → task created (its context written) → started (the executor records its handle: a pid, a
 *     container, a Job) → waited for (timeout guard, cancel) → callback revoked → result (the
 *     spool taken in, the agent's report, else the exit code) → caches saved, after a success
 *   → recorded: the result, with the retry due if any → task removed → afterStepEnd hooks.
 * Each change is stored before the next acts, so an engine stopped between any two leaves the
 * store saying what recovery has to look at (run-recovery.ts; the states and what recovery does in
 * each: docs/engine.md, "One attempt, on disk and in the store").
 */
import type { AttemptResult } from './attempt-result.js';
import type { TaskDeps } from './attempt-task.js';
import { AttemptTask } from './attempt-task.js';
import type { CallbackGrants } from './callback/server.js';
import type { ExecutorSource } from './executors/registry.js';
import type { ActionExecutor, TaskState } from './executors/types.js';
import type { HookRunner } from './hooks.js';
import { retryDueAt } from './retry.js';
import type { RunPlan } from './run-plan.js';
import type { RunRecorder } from './run-recorder.js';
import { actionCommand } from './step-command.js';
import { saveCache } from './step-files.js';
import type { ResolvedInputs, StepInputs } from './step-inputs.js';
import { StepInputError, taskContext } from './step-task.js';

export interface AttemptDeps extends TaskDeps {
  recorder: Pick<RunRecorder, 'record' | 'stepChanged' | 'event' | 'failure'>;
  inputs: Pick<StepInputs, 'resolve' | 'restoreCaches' | 'workspace' | 'makeWorkspace' | 'secrets'>;
  hooks: HookRunner;
  executors: ExecutorSource;
  callback: Pick<CallbackGrants, 'port' | 'grant' | 'revoke'>;
  /** Where step caches are kept. */
  stepCacheDir: string;
  /** The env contract every step gets (CARAVAN_RUN_ID, CARAVAN_WORKSPACE, …). */
  contractEnv(runId: string, stepId: string, workspace: string): Record<string, string>;
  cancelRequested(): boolean;
}

/** How an attempt left its slot. */
export type AttemptOutcome =
  /** Nothing ran (bad input, a hook, no executor): the scheduler ends the step without running it. */
  | { kind: 'refused'; status: 'skipped' | 'error'; reason: string }
  /** Its result is recorded; a retry is due at `retryAt`, if set. */
  | { kind: 'ended'; retryAt?: number }
  /** Recovery found its task created but never started: the step is queued again, as the same attempt. */
  | { kind: 'requeued' };

export class StepAttempt {
  private cancelled: boolean;
  private task: AttemptTask | undefined;

  constructor(
    private readonly deps: AttemptDeps,
    private readonly plan: RunPlan,
    readonly stepId: string,
    readonly kind: string,
    cancelled: boolean,
  ) {
    this.cancelled = cancelled;
  }

  cancel(): void {
    this.cancelled = true;
    this.task?.cancel();
  }

  /** Takes charge of the attempt's task (a new one, or one recovery found). */
  adopt(executor: ActionExecutor, taskId: string): AttemptTask {
    this.task = new AttemptTask(
      this.deps,
      executor,
      taskId,
      (op, id, err) => this.deps.recorder.failure('executor.error', err, this.stepId, { op, taskId: id }),
      (id, pids) => this.deps.recorder.event('step.leftovers', { taskId: id, pids }, this.stepId),
      { runId: this.plan.id, stepId: this.stepId },
    );
    if (this.cancelled) this.task.cancel();
    return this.task;
  }

  async run(): Promise<AttemptOutcome> {
    const { deps, plan, stepId: id, kind } = this;
    const step = plan.step(id);
    const action = plan.action(id);
    const number = deps.recorder.record(id).attempt + 1;
    const taskId = `${plan.id}.${id}.${number}`;
    const hookCtx = { runId: plan.id, step, attempt: number, executor: kind };
    try {
      await deps.hooks.beforeQueuePop(hookCtx);
    } catch (err) {
      return refused('error', `beforeQueuePop hook: ${(err as Error).message}`);
    }
    let inputs: ResolvedInputs;
    try {
      inputs = await deps.inputs.resolve(id);
    } catch (err) {
      if (err instanceof StepInputError) return refused('error', err.message);
      throw err;
    }
    const decision = await deps.hooks.beforeStepStart(hookCtx);
    if ('veto' in decision) return refused(decision.veto.status, decision.veto.reason);
    let executor: ActionExecutor;
    try {
      executor = await deps.executors.get(kind);
    } catch (err) {
      return refused('error', (err as Error).message);
    }
    const workspace = deps.inputs.workspace(id);
    if (executor.usesWorkspace !== false) deps.inputs.makeWorkspace(id);
    const cmd = actionCommand(action.spec, action.dir);
    const timeoutSeconds = plan.timeoutOf(id);
    const { tokenSha256, ...callback } = deps.callback.grant(taskId, plan.id, id);
    const context = {
      ...taskContext({
        files: inputs.files,
        taskId,
        runId: plan.id,
        step,
        spec: action.spec,
        actionDir: action.dir,
        params: inputs.params,
        env: { ...inputs.env, ...decision.env, ...deps.contractEnv(plan.id, id, workspace) },
        secrets: deps.inputs.secrets,
        workspace,
        timeoutSeconds,
        graceSeconds: deps.graceSeconds,
      }),
      callback,
    };

    // Recorded before the executor is touched: after a crash, the store says which task to look
    // for, and where its agent reports (a resumed engine takes the grant over).
    await deps.recorder.stepChanged(id, {
      status: 'running',
      attempt: number,
      taskId,
      executor: kind,
      startedAt: deps.clock.now(),
      endedAt: undefined,
      exitCode: undefined,
      error: undefined,
      outputs: {},
    });
    await deps.recorder.event('step.callback', { taskId, port: deps.callback.port, tokenSha256 }, id);
    if (this.cancelled) {
      deps.callback.revoke(taskId);
      return this.end({ status: 'cancelled', outputs: {}, error: 'the run was cancelled' });
    }
    const task = this.adopt(executor, taskId);
    await deps.inputs.restoreCaches(id, inputs.caches, (key, err) =>
      deps.recorder.failure('cache.error', err, id, { key, op: 'restore' }),
    );
    let state: TaskState;
    try {
      await task.create({
        taskId,
        runId: plan.id,
        stepId: id,
        attempt: number,
        command: cmd.command,
        image: step.image ?? cmd.image,
        workspace,
        actionDir: action.dir,
        context,
      });
      await task.start();
      state = await task.wait(timeoutSeconds);
    } catch (err) {
      deps.callback.revoke(taskId);
      return this.end({ status: 'error', outputs: {}, error: `${kind} executor: ${(err as Error).message}` });
    }
    deps.callback.revoke(taskId);
    const result = await task.result(state);
    if (result.status === 'success') {
      for (const c of inputs.caches) {
        await saveCache(deps.stepCacheDir, c.key, workspace, c.path).catch((err) =>
          deps.recorder.failure('cache.error', err, id, { key: c.key, op: 'save' }),
        );
      }
    }
    return this.end(result);
  }

  /** Records the result (and when a retry is due), then removes the task and tells the hooks. */
  async end(result: AttemptResult): Promise<AttemptOutcome> {
    const { deps, plan, stepId: id } = this;
    const rec = deps.recorder.record(id);
    const step = plan.step(id);
    const endedAt = deps.clock.now();
    const retryAt = retryDueAt(step.retry, rec.attempt, result, deps.cancelRequested(), endedAt);
    await deps.recorder.stepChanged(id, {
      status: result.status,
      endedAt,
      exitCode: result.exitCode,
      outputs: result.outputs,
      error: result.error,
      retryAt,
    });
    await this.task?.remove();
    await deps.hooks.afterStepEnd({
      runId: plan.id,
      step,
      attempt: rec.attempt,
      executor: rec.executor ?? plan.run.executor,
      status: rec.status,
      outputs: rec.outputs,
      error: rec.error,
      durationMs: endedAt - (rec.startedAt ?? endedAt),
    });
    return { kind: 'ended', retryAt };
  }
}

function refused(status: 'skipped' | 'error', reason: string): AttemptOutcome {
  return { kind: 'refused', status, reason };
}
