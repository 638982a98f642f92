/**
 * Drives one run's DAG to its end: decides each step once the steps it needs are final (`if:` and
 * the skip rule), queues it by priority, gives it an executor slot within the global and
 * per-executor limits, retries it by its policy, applies cancel, and ends the run. What happens in
 * a slot is a StepAttempt's (step-attempt.ts), or RunRecovery's for a step a stopped engine left
 * running (run-recovery.ts); every write goes through the run's RunRecorder (run-recorder.ts).
 */
import { pollCancelRequest } from './cancel-poll.js';
import type { EngineDeps } from './engine-deps.js';
import type { HookRunner } from './hooks.js';
import type { QueueItem } from './queue.js';
import { PriorityQueue } from './queue.js';
import type { RunPlan } from './run-plan.js';
import type { StoredRun } from './run-parts.js';
import { runParts } from './run-parts.js';
import type { RunRecorder } from './run-recorder.js';
import type { RunRecovery } from './run-recovery.js';
import { recoveryPlan } from './run-recovery.js';
import type { RunStatus } from './status.js';
import { canRunTransition, runResult } from './status.js';
import type { AttemptDeps, AttemptOutcome } from './step-attempt.js';
import { StepAttempt } from './step-attempt.js';
import { shouldRun } from './step-task.js';
import type { StepInputs } from './step-inputs.js';
import type { FileRecord } from './store/types.js';

export class RunScheduler {
  readonly recorder: RunRecorder;
  private readonly plan: RunPlan;
  private readonly inputs: StepInputs;
  private readonly recovery: RunRecovery;
  private readonly hooks: HookRunner;
  private readonly attemptDeps: AttemptDeps;
  /** For each step not final, how many of the steps it needs are not final yet. */
  private readonly waitingFor = new Map<string, number>();
  /** Final steps with no retry pending. */
  private readonly finished = new Set<string>();
  private readonly queue = new PriorityQueue<QueueItem>();
  /** The steps holding an executor slot. */
  private readonly running = new Map<string, StepAttempt>();
  private readonly perKind = new Map<string, number>();
  private readonly retryTimers = new Map<string, () => void>();
  /** Removals of ended tasks, off the next steps' path: the run ends once they are done. */
  private readonly removals = new Set<Promise<void>>();
  private stopCancelPoll: (() => void) | undefined;
  private cancelRequested: boolean;
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
    stored: StoredRun,
  ) {
    this.cancelRequested = stored.run.cancelRequested;
    const parts = runParts(deps, stored, {
      isFinished: (id) => this.finished.has(id),
      cancelRequested: () => this.cancelRequested,
    });
    ({ plan: this.plan, recorder: this.recorder, hooks: this.hooks, inputs: this.inputs } = parts);
    this.recovery = parts.recovery;
    this.attemptDeps = { ...parts.attempt, finishLater: (removal) => this.finishLater(removal) };
  }

  /** Drives the run to its end; resolves with the run's final status. */
  async execute(): Promise<RunStatus> {
    if (canRunTransition(this.plan.run.status, 'running')) await this.recorder.runStarted(this.plan.run.startedAt);
    await this.recovery.sweep();
    const plan = recoveryPlan(this.plan.dag, (id) => this.recorder.record(id));
    for (const id of plan.finished) this.finished.add(id);
    for (const [id, n] of plan.waitingFor) this.waitingFor.set(id, n);
    for (const start of plan.starts) {
      if (start.kind === 'reconcile') this.settle(start.id, this.recovery.reconcile(this.occupy(start.id)));
      else if (start.kind === 'retry') this.scheduleRetry(start.id, start.at);
      else this.guard(start.id, this.decide(start.id));
    }
    if (this.cancelRequested) this.guard('', this.applyCancel());
    this.stopCancelPoll = pollCancelRequest(
      this.deps.clock,
      this.deps.cancelPollMs,
      () => this.deps.store.isCancelRequested(this.plan.run.id),
      {
        cancel: () => this.cancel(),
        error: (err) =>
          this.guard('', this.recorder.failure('store.error', err, undefined, { op: 'isCancelRequested' })),
      },
    );
    this.pump();
    this.checkDone();
    return this.done;
  }

  /** Cancels the run: queued steps become cancelled, running ones are stopped. */
  cancel(): void {
    if (this.cancelRequested || this.completed) return;
    this.cancelRequested = true;
    this.stopCancelPoll?.();
    this.guard(
      '',
      this.recorder.cancelRequested().then(() => this.applyCancel()),
    );
  }

  /** Files reported by a step's agent, as they arrive (for later dependants). */
  addFile(f: FileRecord): void {
    this.inputs.addFile(f);
  }

  private async applyCancel(): Promise<void> {
    for (const item of this.queue.drain())
      await this.finishWithoutRunning(item.key, 'cancelled', 'the run was cancelled');
    for (const [id, stop] of this.retryTimers) {
      stop();
      this.retryTimers.delete(id);
      await this.recorder.stepChanged(id, { retryAt: undefined });
      this.onFinished(id);
    }
    for (const attempt of this.running.values()) attempt.cancel();
    this.checkDone();
  }

  /** Runs an async piece of the scheduler; an unexpected error fails the run instead of vanishing. */
  private guard(stepId: string, p: Promise<unknown>): void {
    p.catch((err: Error) => {
      if (stepId && !this.finished.has(stepId) && !this.running.has(stepId)) {
        // Record the failure on the step, then carry on with the rest of the run.
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
    this.deps.slots?.leave(this.plan.id);
    this.stopCancelPoll?.();
    this.rejectDone(err);
  }

  /** Every step it needs is final: skip, cancel or queue the step. */
  private async decide(id: string): Promise<void> {
    if (this.cancelRequested) return this.finishWithoutRunning(id, 'cancelled', 'the run was cancelled');
    const step = this.plan.step(id);
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
    const rec = this.recorder.record(id);
    // A step waiting for a retry is `failed`/`timeout`/...: back to queued first, as the table says.
    if (rec.status !== 'queued') await this.recorder.stepChanged(id, { status: 'queued', retryAt: undefined });
    await this.recorder.stepChanged(id, { status, error: reason, endedAt: this.deps.clock.now(), retryAt: undefined });
    this.onFinished(id);
  }

  private onFinished(id: string): void {
    if (this.finished.has(id)) return;
    this.finished.add(id);
    for (const dep of this.plan.dag.dependants.get(id) ?? []) {
      if (this.finished.has(dep)) continue;
      const left = (this.waitingFor.get(dep) ?? 1) - 1;
      this.waitingFor.set(dep, left);
      if (left === 0 && this.recorder.record(dep).status === 'queued' && !this.running.has(dep))
        this.guard(dep, this.decide(dep));
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
    const blocked: QueueItem[] = [];
    while (this.running.size < this.deps.concurrency(this.plan.run) && this.queue.size > 0) {
      const item = this.queue.pop()!;
      const kind = this.plan.executorOf(this.recorder.record(item.key));
      if ((this.perKind.get(kind) ?? 0) >= this.deps.executorLimit(kind)) {
        blocked.push(item);
        continue;
      }
      // The engine's slots shared with other runs: when none is ours now, we are woken for the next.
      if (this.deps.slots && !this.deps.slots.take(this.plan.id, kind, () => this.pump())) {
        blocked.push(item);
        break;
      }
      this.settle(item.key, this.occupy(item.key, kind, true).run());
    }
    for (const b of blocked) this.queue.push(b);
    if (this.queue.size === 0) this.deps.slots?.leave(this.plan.id);
  }

  private occupy(id: string, kind = this.plan.executorOf(this.recorder.record(id)), slotTaken = false): StepAttempt {
    const attempt = new StepAttempt(this.attemptDeps, this.plan, id, kind, this.cancelRequested);
    this.running.set(id, attempt);
    this.perKind.set(kind, (this.perKind.get(kind) ?? 0) + 1);
    if (!slotTaken) this.deps.slots?.hold(kind);
    return attempt;
  }

  private release(id: string): void {
    const attempt = this.running.get(id);
    if (!attempt) return;
    this.running.delete(id);
    this.perKind.set(attempt.kind, (this.perKind.get(attempt.kind) ?? 1) - 1);
    this.deps.slots?.give(attempt.kind);
  }

  /** Frees the step's slot once its attempt is over and moves the step on. */
  private settle(id: string, outcome: Promise<AttemptOutcome>): void {
    outcome
      .then(
        (o) => this.afterAttempt(id, o),
        (err: Error) => this.attemptFailed(id, err),
      )
      .catch((err: Error) => this.fail(err));
  }

  private async afterAttempt(id: string, outcome: AttemptOutcome): Promise<void> {
    this.release(id);
    if (outcome.kind === 'refused') await this.finishWithoutRunning(id, outcome.status, outcome.reason);
    else if (outcome.kind === 'requeued') await this.decide(id);
    else if (outcome.retryAt !== undefined) this.scheduleRetry(id, outcome.retryAt);
    else this.onFinished(id);
    this.pump();
  }

  /** An attempt threw: the step ends `error`, unless its result was stored already (then the store failed). */
  private async attemptFailed(id: string, err: Error): Promise<void> {
    const status = this.recorder.record(id).status;
    const attempt = this.running.get(id);
    const error = `internal error: ${err.message}`;
    if (status === 'running' && attempt)
      return this.afterAttempt(id, await attempt.end({ status: 'error', outputs: {}, error }));
    if (status !== 'queued') throw err;
    return this.afterAttempt(id, { kind: 'refused', status: 'error', reason: error });
  }

  private scheduleRetry(id: string, at: number): void {
    if (this.cancelRequested) {
      this.guard(
        id,
        this.recorder.stepChanged(id, { retryAt: undefined }).then(() => this.onFinished(id)),
      );
      return;
    }
    const stop = this.deps.clock.setTimer(Math.max(0, at - this.deps.clock.now()), () => {
      this.retryTimers.delete(id);
      this.guard(
        id,
        this.recorder.stepChanged(id, { status: 'queued', retryAt: undefined }).then(() => {
          this.queue.push(this.plan.queueEntry(id));
          this.pump();
        }),
      );
    });
    this.retryTimers.set(id, stop);
  }

  private checkDone(): void {
    if (this.completed || this.finished.size < this.plan.dag.order.length || this.running.size > 0) return;
    this.completed = true;
    this.deps.slots?.leave(this.plan.id);
    this.stopCancelPoll?.();
    this.complete().then(this.resolveDone, this.rejectDone);
  }

  private finishLater(removal: Promise<void>): void {
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal)).catch(() => undefined);
  }

  private async complete(): Promise<RunStatus> {
    await Promise.all(this.removals);
    const records = [...this.recorder.records()];
    const status = runResult(
      records.map((r) => r.status),
      this.cancelRequested,
    );
    await this.recorder.runEnded(status);
    await this.hooks.afterRunEnd({
      runId: this.plan.run.id,
      status,
      steps: Object.fromEntries(records.map((r) => [r.stepId, r.status])),
    });
    return status;
  }
}
