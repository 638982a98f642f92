/**
 * Crash recovery: where a run stands is read from the store alone (recoveryPlan), and a step the
 * store says was running is judged by what its executor says of its task (recoveryAction), then
 * handled in its slot (RunRecovery): re-attached while its task runs, taking over the stopped
 * engine's callback grant; judged by its report when its task ended; queued again as the same
 * attempt when its task was created but never started; `lost` when its task is gone.
 */
import type { AttemptResult } from './attempt-result.js';
import type { AttemptTask } from './attempt-task.js';
import type { CallbackGrants } from './callback/server.js';
import type { Clock } from './clock.js';
import type { Dag } from './dag.js';
import type { ExecutorSource } from './executors/registry.js';
import type { TaskState } from './executors/types.js';
import type { RunPlan } from './run-plan.js';
import type { RunRecorder } from './run-recorder.js';
import { DONE_STEP_STATUSES } from './status.js';
import type { AttemptOutcome, StepAttempt } from './step-attempt.js';
import type { EngineStore, StepRecord } from './store/types.js';

/** What to do first for a step that is not final, in DAG order. */
export type StepStart =
  /** It was running when its engine stopped. */
  | { id: string; kind: 'reconcile' }
  /** Its retry was pending. */
  | { id: string; kind: 'retry'; at: number }
  /** Every step it needs is final: run it, skip it or cancel it. */
  | { id: string; kind: 'decide' };

export interface RecoveryPlan {
  /** Steps that are final, with no retry pending: they do not run again. */
  finished: Set<string>;
  /** For each other step, how many of the steps it needs are not final yet. */
  waitingFor: Map<string, number>;
  starts: StepStart[];
}

/** Where a run stands, from its step records alone (a new run is the case where every step is queued). */
export function recoveryPlan(dag: Dag, record: (id: string) => StepRecord): RecoveryPlan {
  const finished = new Set<string>();
  for (const id of dag.order) {
    const rec = record(id);
    if (DONE_STEP_STATUSES.has(rec.status) && rec.retryAt === undefined) finished.add(id);
  }
  const waitingFor = new Map<string, number>();
  const starts: StepStart[] = [];
  for (const id of dag.order) {
    if (finished.has(id)) continue;
    const waiting = (dag.needs.get(id) ?? []).filter((d) => !finished.has(d)).length;
    waitingFor.set(id, waiting);
    const rec = record(id);
    if (rec.status === 'running') starts.push({ id, kind: 'reconcile' });
    else if (rec.retryAt !== undefined) starts.push({ id, kind: 'retry', at: rec.retryAt });
    else if (rec.status === 'queued' && waiting === 0) starts.push({ id, kind: 'decide' });
  }
  return { finished, waitingFor, starts };
}

export type RecoveryAction = 'reattach' | 'judge' | 'requeue' | 'lost';

/** What to do with a step that was running, from what its executor says of its task. */
export function recoveryAction(taskId: string | undefined, state: TaskState): RecoveryAction {
  if (taskId === undefined) return 'lost';
  if (state.phase === 'created' || (state.phase === 'gone' && state.neverStarted)) return 'requeue';
  if (state.phase === 'gone') return 'lost';
  if (state.phase === 'pending' || state.phase === 'running') return 'reattach';
  return 'judge';
}

export interface RecoveryDeps {
  recorder: Pick<RunRecorder, 'record' | 'records' | 'stepChanged' | 'event' | 'failure'>;
  /** The run's event log, where each attempt's callback grant was recorded. */
  events: Pick<EngineStore, 'getEvents'>;
  executors: ExecutorSource;
  callback: Pick<CallbackGrants, 'regrant' | 'revoke'>;
  clock: Clock;
}

const LOST: AttemptResult = {
  status: 'lost',
  outputs: {},
  error: 'the engine stopped while this step ran and its task no longer exists',
};

export class RunRecovery {
  constructor(
    private readonly deps: RecoveryDeps,
    private readonly plan: RunPlan,
  ) {}

  /** A step the store says was running when its engine stopped, in its slot `attempt`. */
  async reconcile(attempt: StepAttempt): Promise<AttemptOutcome> {
    const id = attempt.stepId;
    const { taskId } = this.deps.recorder.record(id);
    const task = taskId ? attempt.adopt(await this.deps.executors.get(attempt.kind), taskId) : undefined;
    let state: TaskState = task ? await task.status() : { phase: 'gone' };
    const action = recoveryAction(taskId, state);
    if (action === 'requeue') return this.requeue(id, task!);
    if (action === 'reattach') state = await this.reattach(id, task!);
    const result = task && state.phase !== 'gone' ? await task.result(state) : await this.lost(task);
    if (task) this.deps.callback.revoke(task.taskId);
    return attempt.end(result);
  }

  /** Even a lost task may have left its spool: its log lines are kept. */
  private async lost(task: AttemptTask | undefined): Promise<AttemptResult> {
    await task?.ingestSpool();
    await task?.sayLostLines();
    return LOST;
  }

  /**
   * Tasks of attempts whose result is stored but whose task was not removed yet (the engine
   * stopped in between): their files (the context holds secrets) are removed now.
   */
  async sweep(): Promise<void> {
    for (const rec of this.deps.recorder.records()) {
      if (!DONE_STEP_STATUSES.has(rec.status) || rec.taskId === undefined) continue;
      const kind = rec.executor ?? this.plan.run.executor;
      try {
        await (await this.deps.executors.get(kind)).remove(rec.taskId);
      } catch (err) {
        await this.deps.recorder.failure('executor.error', err, rec.stepId, { op: 'remove', taskId: rec.taskId });
      }
    }
  }

  private async reattach(id: string, task: AttemptTask): Promise<TaskState> {
    const { recorder, clock } = this.deps;
    const callbackPort = await this.takeOverCallback(id, task.taskId);
    await recorder.event('step.reattached', { taskId: task.taskId, ...(callbackPort ? { callbackPort } : {}) }, id);
    const timeout = this.plan.timeoutOf(id);
    const startedAt = recorder.record(id).startedAt ?? clock.now();
    const left = timeout === undefined ? undefined : Math.max(0, timeout - (clock.now() - startedAt) / 1000);
    return task.wait(left);
  }

  /**
   * Makes the stopped engine's grant for a re-attached task valid here, on its old port when that
   * is free, so the agent's retries and spooled logs reach this engine. The port, or undefined.
   */
  private async takeOverCallback(stepId: string, taskId: string): Promise<number | undefined> {
    const granted = (await this.deps.events.getEvents(this.plan.id))
      .filter((e) => e.type === 'step.callback' && e.stepId === stepId && e.data.taskId === taskId)
      .at(-1);
    const { port, tokenSha256 } = (granted?.data ?? {}) as { port?: unknown; tokenSha256?: unknown };
    if (typeof port !== 'number' || typeof tokenSha256 !== 'string') return undefined;
    try {
      const listening = await this.deps.callback.regrant({ taskId, runId: this.plan.id, stepId, tokenSha256 }, port);
      return listening ? port : undefined;
    } catch (err) {
      await this.deps.recorder.failure('callback.error', err, stepId, { op: 'regrant', taskId, port });
      return undefined;
    }
  }

  /**
   * The engine stopped between creating the step's task and starting it: the action never ran, so
   * the step runs afresh, as the same attempt, with this engine's callback.
   */
  private async requeue(id: string, task: AttemptTask): Promise<AttemptOutcome> {
    const { recorder } = this.deps;
    await task.remove();
    await recorder.event(
      'step.requeued',
      { taskId: task.taskId, reason: 'its task was created but never started' },
      id,
    );
    await recorder.stepChanged(id, {
      status: 'queued',
      attempt: Math.max(0, recorder.record(id).attempt - 1),
      taskId: undefined,
      startedAt: undefined,
    });
    return { kind: 'requeued' };
  }
}
