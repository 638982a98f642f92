/**
 * Drives one run's DAG to a final state: decides each step when its dependencies are done (`if:`
 * and the skip rule), queues it by priority, starts it on its executor within the global and
 * per-executor limits, waits for it (timeout guard, cancel), records the result and retries by the
 * step's policy. Every status change is written to the store before it is acted on. A run started
 * from a store that an engine left mid-run (resume) is reconciled first: running steps are
 * re-attached when their task still exists, else marked `lost`.
 */
import type { LoadedAction } from './actions/resolver.js';
import type { AttemptResult } from './attempt-result.js';
import { attemptResult } from './attempt-result.js';
import type { Dag } from './dag.js';
import { RunPlan } from './run-plan.js';
import type { ResolvedInputs } from './step-inputs.js';
import { StepInputs } from './step-inputs.js';
import type { EngineDeps } from './engine-deps.js';
import type { ActionExecutor, TaskState } from './executors/types.js';
import type { StepStartDecision } from './hooks.js';
import { PriorityQueue } from './queue.js';
import { hasAttemptsLeft, retryDelaySeconds } from './retry.js';
import type { RunStatus } from './status.js';
import { canRunTransition, DONE_STEP_STATUSES, RETRYABLE_STEP_STATUSES, runResult } from './status.js';
import { actionCommand } from './step-command.js';
import { restoreCache, saveCache } from './step-files.js';
import { sleep } from './clock.js';
import { shouldRun, StepInputError, taskContext } from './step-task.js';
import type { PipelineStep } from './step-types.js';
import type { FileRecord, RunRecord, StepRecord } from './store/types.js';
import { RunRecorder } from './run-recorder.js';
import type { Clock } from './clock.js';

interface QueueEntry {
  key: string;
  priority: number;
  pipelinePriority: number;
  order: number;
}

interface Attempt {
  stepId: string;
  kind: string;
  taskId?: string;
  executor?: ActionExecutor;
  cancelled: boolean;
  timedOut: boolean;
  wake?: () => void;
}

export class RunExecution {
  private readonly dag: Dag;
  private readonly plan: RunPlan;
  private readonly inputs: StepInputs;
  private readonly recorder: RunRecorder;
  private readonly clock: Clock;
  private readonly remaining = new Map<string, number>();
  private readonly finished = new Set<string>();
  private readonly queue = new PriorityQueue<QueueEntry>();
  private readonly running = new Map<string, Attempt>();
  private readonly perKind = new Map<string, number>();
  private readonly retryTimers = new Map<string, () => void>();
  private cancelRequested = false;
  private completed = false;
  private pumpScheduled = false;
  private resolveDone!: (status: RunStatus) => void;
  private rejectDone!: (err: Error) => void;
  private readonly done = new Promise<RunStatus>((res, rej) => {
    this.resolveDone = res;
    this.rejectDone = rej;
  });

  constructor(
    private readonly deps: EngineDeps,
    private readonly run: RunRecord,
    stepRecords: StepRecord[],
    actions: Map<string, LoadedAction>,
    fileRecords: FileRecord[],
  ) {
    this.plan = new RunPlan(run, actions);
    this.recorder = new RunRecorder(deps, run.id, stepRecords);
    this.clock = deps.clock;
    this.dag = this.plan.dag;
    this.inputs = new StepInputs(
      { blobs: deps.blobs, workDir: deps.paths.work, secrets: deps.secretsFor(run.pipeline.secrets) },
      this.plan,
      {
        record: (id) => this.recorder.record(id),
        has: (id) => this.recorder.has(id),
        records: () => this.recorder.records(),
        isFinished: (id) => this.finished.has(id),
        cancelRequested: () => this.cancelRequested,
      },
      fileRecords,
    );
    this.cancelRequested = run.cancelRequested;
  }

  get id(): string {
    return this.run.id;
  }

  /** Drives the run to its end; resolves with the run's final status. */
  async execute(): Promise<RunStatus> {
    if (canRunTransition(this.run.status, 'running')) await this.recorder.runStarted(this.run.startedAt);
    for (const rec of this.recorder.records()) if (this.isFinal(rec)) this.finished.add(rec.stepId);
    for (const id of this.dag.order) {
      if (this.finished.has(id)) continue;
      this.remaining.set(id, (this.dag.needs.get(id) ?? []).filter((d) => !this.finished.has(d)).length);
    }
    for (const id of this.dag.order) {
      if (this.finished.has(id)) continue;
      const rec = this.rec(id);
      if (rec.status === 'running') this.guard(id, this.reconcile(id));
      else if (rec.retryAt !== undefined) this.scheduleRetry(id, rec.retryAt);
      else if (rec.status === 'queued' && this.remaining.get(id) === 0) this.guard(id, this.decide(id));
    }
    if (this.cancelRequested) this.guard('', this.applyCancel());
    this.pump();
    this.checkDone();
    return this.done;
  }

  /** Cancels the run: queued steps become cancelled, running ones get their executor's cancel. */
  cancel(): void {
    if (this.cancelRequested || this.completed) return;
    this.cancelRequested = true;
    this.guard(
      '',
      this.recorder.cancelRequested().then(() => this.applyCancel()),
    );
  }

  private async applyCancel(): Promise<void> {
    for (const item of this.queue.drain())
      await this.finishWithoutRunning(item.key, 'cancelled', 'the run was cancelled');
    for (const [id, timer] of this.retryTimers) {
      timer();
      this.retryTimers.delete(id);
      await this.recorder.stepChanged(id, { retryAt: undefined });
      this.onFinished(id);
    }
    for (const [id, attempt] of this.running) {
      attempt.cancelled = true;
      if (attempt.executor && attempt.taskId) {
        const { executor, taskId } = attempt;
        await executor
          .cancel(taskId)
          .catch((err) => this.recorder.failure('executor.error', err, id, { op: 'cancel', taskId }));
      }
      attempt.wake?.();
    }
    this.checkDone();
  }

  private rec(id: string): StepRecord {
    return this.recorder.record(id);
  }

  private step(id: string): PipelineStep {
    return this.plan.step(id);
  }

  private isFinal(rec: StepRecord): boolean {
    return DONE_STEP_STATUSES.has(rec.status) && rec.retryAt === undefined;
  }

  private kindOf(id: string): string {
    return this.plan.executorOf(this.rec(id));
  }

  /** Runs an async piece of the scheduler; an unexpected error fails the run instead of vanishing. */
  private guard(stepId: string, p: Promise<unknown>): void {
    p.catch((err: Error) => {
      if (stepId && !this.finished.has(stepId) && !this.running.has(stepId)) {
        // Best effort: record the failure on the step, then carry on with the rest of the run.
        this.finishWithoutRunning(stepId, 'error', `internal error: ${err.message}`).catch((e: Error) =>
          this.fail(new Error(`${err.message}; recording it on step ${stepId} failed too: ${e.message}`)),
        );
      } else {
        this.fail(err);
      }
    });
  }

  private fail(err: Error): void {
    if (this.completed) return;
    this.completed = true;
    this.rejectDone(err);
  }

  /** All dependencies are final: skip, cancel or queue the step. */
  private async decide(id: string): Promise<void> {
    if (this.cancelRequested) return this.finishWithoutRunning(id, 'cancelled', 'the run was cancelled');
    const step = this.step(id);
    let run: boolean;
    try {
      run = shouldRun(step, this.inputs.context(id));
    } catch (err) {
      return this.finishWithoutRunning(id, 'error', (err as Error).message);
    }
    if (!run) {
      const reason = step.if ? `condition is false: ${step.if}` : 'a step it needs did not succeed';
      return this.finishWithoutRunning(id, 'skipped', reason);
    }
    this.queue.push(this.plan.queueEntry(id));
    this.pump();
  }

  private async finishWithoutRunning(
    id: string,
    status: 'skipped' | 'cancelled' | 'error',
    reason: string,
  ): Promise<void> {
    if (this.finished.has(id)) return;
    const rec = this.rec(id);
    // A step waiting for a retry is `failed`/`timeout`/...: back to queued first, as the table says.
    if (rec.status !== 'queued') await this.recorder.stepChanged(id, { status: 'queued', retryAt: undefined });
    await this.recorder.stepChanged(id, { status, error: reason, endedAt: this.clock.now(), retryAt: undefined });
    this.onFinished(id);
  }

  private onFinished(id: string): void {
    if (this.finished.has(id)) return;
    this.finished.add(id);
    for (const dep of this.dag.dependants.get(id) ?? []) {
      if (this.finished.has(dep)) continue;
      const left = (this.remaining.get(dep) ?? 1) - 1;
      this.remaining.set(dep, left);
      if (left === 0 && this.rec(dep).status === 'queued' && !this.running.has(dep)) this.guard(dep, this.decide(dep));
    }
    this.checkDone();
  }

  /** Coalesces pump requests: steps that become ready together compete by priority for the slots. */
  private pump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pumpNow();
    });
  }

  private pumpNow(): void {
    if (this.completed) return;
    const blocked: QueueEntry[] = [];
    while (this.running.size < this.deps.concurrency(this.run) && this.queue.size > 0) {
      const item = this.queue.pop()!;
      const kind = this.kindOf(item.key);
      const limit = this.deps.executorLimit(kind);
      if ((this.perKind.get(kind) ?? 0) >= limit) {
        blocked.push(item);
        continue;
      }
      this.occupy(item.key, kind);
      this.guardAttempt(item.key, this.attempt(item.key));
    }
    for (const b of blocked) this.queue.push(b);
  }

  private occupy(id: string, kind: string): Attempt {
    const a: Attempt = { stepId: id, kind, cancelled: this.cancelRequested, timedOut: false };
    this.running.set(id, a);
    this.perKind.set(kind, (this.perKind.get(kind) ?? 0) + 1);
    return a;
  }

  private release(id: string): void {
    const a = this.running.get(id);
    if (!a) return;
    this.running.delete(id);
    this.perKind.set(a.kind, (this.perKind.get(a.kind) ?? 1) - 1);
  }

  private guardAttempt(id: string, p: Promise<void>): void {
    p.catch(async (err: Error) => {
      const rec = this.rec(id);
      try {
        if (rec.status === 'running')
          await this.endAttempt(id, { status: 'error', outputs: {}, error: `internal error: ${err.message}` });
        else {
          this.release(id);
          await this.finishWithoutRunning(id, 'error', `internal error: ${err.message}`);
        }
      } catch (e) {
        this.fail(e as Error);
      }
      this.pump();
    });
  }

  private async attempt(id: string): Promise<void> {
    const step = this.step(id);
    const rec = this.rec(id);
    const attempt = this.running.get(id)!;
    const kind = attempt.kind;
    const number = rec.attempt + 1;
    const taskId = `${this.run.id}.${id}.${number}`;
    const action = this.plan.action(id);
    const hookCtx = { runId: this.run.id, step, attempt: number, executor: kind };

    const refuse = async (status: 'skipped' | 'error', reason: string) => {
      this.release(id);
      await this.finishWithoutRunning(id, status, reason);
      this.pump();
    };
    try {
      for (const h of this.deps.hooks) await h.beforeQueuePop?.(hookCtx);
    } catch (err) {
      return refuse('error', `beforeQueuePop hook: ${(err as Error).message}`);
    }
    const workspace = this.inputs.workspace(id);
    let inputs: ResolvedInputs;
    try {
      inputs = await this.inputs.resolve(id);
    } catch (err) {
      if (err instanceof StepInputError) return refuse('error', err.message);
      throw err;
    }
    let decision: StepStartDecision;
    for (const h of this.deps.hooks) {
      try {
        decision = await h.beforeStepStart?.(hookCtx);
      } catch (err) {
        return refuse('error', `beforeStepStart hook: ${(err as Error).message}`);
      }
      if (decision && 'veto' in decision) return refuse(decision.veto.status, decision.veto.reason);
      if (decision && 'env' in decision) Object.assign(inputs.env, decision.env);
    }
    const { params, env, caches, files } = inputs;
    Object.assign(env, this.deps.contractEnv(this.run.id, id, workspace));

    let executor: ActionExecutor;
    try {
      executor = await this.deps.executors.get(kind);
    } catch (err) {
      return refuse('error', (err as Error).message);
    }
    if (executor.usesWorkspace !== false) this.inputs.makeWorkspace(id);
    const cmd = actionCommand(action.spec, action.dir);
    const timeoutSeconds = step.timeout ?? action.spec.timeout;
    const { tokenSha256, ...callback } = this.deps.callback.grant(taskId, this.run.id, id);
    const context = {
      ...taskContext({
        files,
        taskId,
        runId: this.run.id,
        step,
        spec: action.spec,
        actionDir: action.dir,
        params,
        env,
        secrets: this.inputs.secrets,
        workspace,
        timeoutSeconds,
        graceSeconds: this.deps.graceSeconds,
      }),
      callback,
    };

    // Written before the executor is touched: after a crash, the store says which task to look for,
    // and where its agent reports (a resumed engine takes the grant over; see reconcile).
    await this.recorder.stepChanged(id, {
      status: 'running',
      attempt: number,
      taskId,
      executor: kind,
      startedAt: this.clock.now(),
      endedAt: undefined,
      exitCode: undefined,
      error: undefined,
      outputs: {},
    });
    await this.recorder.event('step.callback', { taskId, port: this.deps.callback.port, tokenSha256 }, id);
    attempt.taskId = taskId;
    attempt.executor = executor;
    if (attempt.cancelled) {
      this.deps.callback.revoke(taskId);
      return this.endAttempt(id, { status: 'cancelled', outputs: {}, error: 'the run was cancelled' });
    }
    for (const c of caches) {
      await restoreCache(this.deps.paths.stepCache, c.key, workspace).catch((err) =>
        this.recorder.failure('cache.error', err, id, { key: c.key, op: 'restore' }),
      );
    }
    let state: TaskState;
    try {
      await executor.create({
        taskId,
        runId: this.run.id,
        stepId: id,
        attempt: number,
        command: cmd.command,
        image: step.image ?? cmd.image,
        workspace,
        actionDir: action.dir,
        context,
      });
      await executor.start(taskId);
      state = await this.waitTask(executor, taskId, attempt, timeoutSeconds);
    } catch (err) {
      this.deps.callback.revoke(taskId);
      await this.removeTask(id, executor, taskId);
      return this.endAttempt(id, {
        status: 'error',
        outputs: {},
        error: `${kind} executor: ${(err as Error).message}`,
      });
    }
    this.deps.callback.revoke(taskId);
    const result = await this.resultOf(executor, taskId, state, attempt);
    if (result.status === 'success') {
      for (const c of caches) {
        await saveCache(this.deps.paths.stepCache, c.key, workspace, c.path).catch((err) =>
          this.recorder.failure('cache.error', err, id, { key: c.key, op: 'save' }),
        );
      }
    }
    await this.removeTask(id, executor, taskId);
    await this.endAttempt(id, result);
  }

  private async removeTask(id: string, executor: ActionExecutor, taskId: string): Promise<void> {
    await executor
      .remove(taskId)
      .catch((err) => this.recorder.failure('executor.error', err, id, { op: 'remove', taskId }));
  }

  /** Waits for the task to end, with the engine-side timeout guard and cancel. */
  private async waitTask(
    executor: ActionExecutor,
    taskId: string,
    attempt: Attempt,
    timeoutSeconds: number | undefined,
  ): Promise<TaskState> {
    const exit = executor.wait ? executor.wait(taskId) : this.poll(executor, taskId);
    let guard: (() => void) | undefined;
    let killer: (() => void) | undefined;
    const interrupted = new Promise<void>((resolve) => {
      attempt.wake = resolve;
      if (timeoutSeconds !== undefined) {
        // The agent enforces the timeout itself; this guard only acts when the agent cannot.
        guard = this.clock.setTimer(
          (timeoutSeconds + this.deps.graceSeconds + this.deps.guardSlackSeconds) * 1000,
          () => {
            attempt.timedOut = true;
            resolve();
          },
        );
      }
    });
    try {
      const first = await Promise.race([exit, interrupted.then(() => undefined)]);
      if (first) return first;
      await executor.cancel(taskId);
      // After cancel the executor has its grace period; wait that long (and a bit) for the exit.
      const bounded = new Promise<TaskState>((resolve) => {
        killer = this.clock.setTimer((this.deps.graceSeconds + this.deps.guardSlackSeconds) * 1000, () =>
          resolve({ phase: 'gone', message: 'did not stop after cancel' }),
        );
      });
      return await Promise.race([exit, bounded]);
    } finally {
      guard?.();
      killer?.();
      attempt.wake = undefined;
    }
  }

  private async poll(executor: ActionExecutor, taskId: string): Promise<TaskState> {
    for (;;) {
      const s = await executor.status(taskId);
      if (s.phase === 'exited' || s.phase === 'gone') return s;
      await sleep(this.clock, this.deps.statusPollMs);
    }
  }

  /** The agent's report decides; the exit code is the fallback when no report arrived. */
  private async resultOf(
    executor: ActionExecutor,
    taskId: string,
    state: TaskState,
    attempt: Attempt,
  ): Promise<AttemptResult> {
    const report =
      this.deps.takeReport(taskId) ??
      (await executor.readReport?.(taskId).catch(async (err) => {
        await this.recorder.failure('executor.error', err, attempt.stepId, { op: 'readReport', taskId });
        return undefined;
      }));
    return attemptResult(report, state, attempt);
  }

  private async endAttempt(id: string, result: AttemptResult): Promise<void> {
    const rec = this.rec(id);
    const step = this.step(id);
    const retry =
      RETRYABLE_STEP_STATUSES.has(result.status) &&
      !result.noRetry &&
      !this.cancelRequested &&
      hasAttemptsLeft(step.retry, rec.attempt);
    const endedAt = this.clock.now();
    const retryAt = retry && step.retry ? endedAt + retryDelaySeconds(step.retry, rec.attempt) * 1000 : undefined;
    await this.recorder.stepChanged(id, {
      status: result.status,
      endedAt,
      exitCode: result.exitCode,
      outputs: result.outputs,
      error: result.error,
      retryAt,
    });
    this.release(id);
    const hookCtx = { runId: this.run.id, step, attempt: rec.attempt, executor: rec.executor ?? this.run.executor };
    for (const h of this.deps.hooks) {
      try {
        await h.afterStepEnd?.({
          ...hookCtx,
          status: rec.status,
          outputs: rec.outputs,
          error: rec.error,
          durationMs: endedAt - (rec.startedAt ?? endedAt),
        });
      } catch (err) {
        await this.recorder.failure('hook.error', err, id, { hook: 'afterStepEnd' });
      }
    }
    if (retryAt !== undefined) this.scheduleRetry(id, retryAt);
    else this.onFinished(id);
    this.pump();
  }

  private scheduleRetry(id: string, at: number): void {
    if (this.cancelRequested) {
      this.guard(
        id,
        this.recorder.stepChanged(id, { retryAt: undefined }).then(() => this.onFinished(id)),
      );
      return;
    }
    const timer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      this.retryTimers.delete(id);
      this.guard(
        id,
        this.recorder.stepChanged(id, { status: 'queued', retryAt: undefined }).then(() => {
          this.queue.push(this.plan.queueEntry(id));
          this.pump();
        }),
      );
    });
    this.retryTimers.set(id, timer);
  }

  /** A step the store says was running when its engine stopped. */
  private async reconcile(id: string): Promise<void> {
    const rec = this.rec(id);
    const kind = this.kindOf(id);
    const attempt = this.occupy(id, kind);
    const executor = await this.deps.executors.get(kind);
    attempt.executor = executor;
    attempt.taskId = rec.taskId;
    const taskId = rec.taskId;
    const state = taskId ? await executor.status(taskId) : ({ phase: 'gone' } as TaskState);
    if (taskId && state.phase === 'created') return this.requeueUnstarted(id, executor, taskId);
    let final: TaskState = state;
    if (taskId && (state.phase === 'running' || state.phase === 'pending')) {
      const callbackPort = await this.takeOverCallback(id, taskId);
      await this.recorder.event('step.reattached', { taskId, ...(callbackPort ? { callbackPort } : {}) }, id);
      if (attempt.cancelled) await executor.cancel(taskId);
      const timeout = this.plan.timeoutOf(id);
      const left =
        timeout === undefined
          ? undefined
          : Math.max(0, timeout - (this.clock.now() - (rec.startedAt ?? this.clock.now())) / 1000);
      final = await this.waitTask(executor, taskId, attempt, left);
    }
    const result =
      taskId && final.phase !== 'gone'
        ? await this.resultOf(executor, taskId, final, attempt)
        : {
            status: 'lost' as const,
            outputs: {},
            error: 'the engine stopped while this step ran and its task no longer exists',
          };
    if (taskId) {
      this.deps.callback.revoke(taskId);
      await this.removeTask(id, executor, taskId);
    }
    await this.endAttempt(id, result);
  }

  /**
   * Makes the stopped engine's grant for a re-attached task valid here, on its old port when that
   * is free, so the agent's retries and spooled logs reach this engine. The port, or undefined.
   */
  private async takeOverCallback(stepId: string, taskId: string): Promise<number | undefined> {
    const granted = (await this.deps.store.getEvents(this.run.id))
      .filter((e) => e.type === 'step.callback' && e.stepId === stepId && e.data.taskId === taskId)
      .at(-1);
    const { port, tokenSha256 } = (granted?.data ?? {}) as { port?: unknown; tokenSha256?: unknown };
    if (typeof port !== 'number' || typeof tokenSha256 !== 'string') return undefined;
    const listening = await this.deps.callback
      .regrant({ taskId, runId: this.run.id, stepId, tokenSha256 }, port)
      .catch(async (err) => {
        await this.recorder.failure('callback.error', err, stepId, { op: 'regrant', taskId, port });
        return false;
      });
    return listening ? port : undefined;
  }

  /**
   * The engine stopped between creating the step's task and starting it: the action never ran, so
   * the step runs afresh, as the same attempt, with this engine's callback.
   */
  private async requeueUnstarted(id: string, executor: ActionExecutor, taskId: string): Promise<void> {
    await this.removeTask(id, executor, taskId);
    this.release(id);
    const rec = this.rec(id);
    await this.recorder.event('step.requeued', { taskId, reason: 'its task was created but never started' }, id);
    await this.recorder.stepChanged(id, {
      status: 'queued',
      attempt: Math.max(0, rec.attempt - 1),
      taskId: undefined,
      startedAt: undefined,
    });
    await this.decide(id);
  }

  private checkDone(): void {
    if (this.completed || this.finished.size < this.dag.order.length || this.running.size > 0) return;
    this.completed = true;
    this.complete().then(this.resolveDone, this.rejectDone);
  }

  private async complete(): Promise<RunStatus> {
    const records = [...this.recorder.records()];
    const status = runResult(
      records.map((r) => r.status),
      this.cancelRequested,
    );
    await this.recorder.runEnded(status);
    const steps = Object.fromEntries(records.map((r) => [r.stepId, r.status]));
    for (const h of this.deps.hooks) {
      try {
        await h.afterRunEnd?.({ runId: this.run.id, status, steps });
      } catch (err) {
        await this.recorder.failure('hook.error', err, undefined, { hook: 'afterRunEnd' });
      }
    }
    return status;
  }

  /** Files reported by a step's agent, as they arrive (used for later dependants). */
  addFile(f: FileRecord): void {
    this.inputs.addFile(f);
  }
}
