/**
 * The executor side of one attempt: its task is created, started, waited for (with the engine's
 * timeout guard, and cancel), judged (the agent's report, else the exit code) and removed. It
 * knows nothing of the store: failures that leave the result as it is (removing the task, reading
 * the report) go to its TaskErrorSink, which logs them.
 */
import type { AgentReport } from '@caravan/spec';
import type { AttemptResult } from './attempt-result.js';
import { attemptResult } from './attempt-result.js';
import type { Clock } from './clock.js';
import { sleep } from './clock.js';
import type { CallbackHandlers } from './callback/server.js';
import {
  TaskOutputRefused,
  type ActionExecutor,
  type SpoolSource,
  type TaskSpec,
  type TaskState,
} from './executors/types.js';
import type { SpoolIntake } from './spool-intake.js';
import { ingestSpool } from './spool-intake.js';

export interface TaskDeps {
  clock: Clock;
  /** Seconds between SIGTERM and SIGKILL, for the agent and the executors. */
  graceSeconds: number;
  /** Seconds the engine waits past a timeout, or past the grace period after a cancel, before it acts. */
  guardSlackSeconds: number;
  /** Status poll interval for executors without `wait`. */
  statusPollMs: number;
  /** The report the agent sent to the callback API for this task, once. */
  takeReport(taskId: string): AgentReport | undefined;
  /** Where what the agent spooled is taken in (the callback API's handlers); without it, it is not. */
  intake?: CallbackHandlers;
  /**
   * Takes over a task's removal, which then goes on while the run moves on (the run ends only once
   * it is done); without it, `remove` waits for it.
   */
  finishLater?: (removal: Promise<void>) => void;
}

/** A failure that leaves the attempt's result as it is; `op` is `remove`, `reap` or `readReport`. */
export type TaskErrorSink = (op: string, taskId: string, err: unknown) => Promise<void>;
/** Processes of the task still running after it ended, which the executor has just killed. */
export type LeftoverSink = (taskId: string, pids: number[]) => Promise<void>;

/** Sequence numbers of the engine's notes in a step's log: after any the agent can have used. */
const LOST_NOTE_SEQ = 2_000_000_000;
const EXECUTOR_NOTE_SEQ = LOST_NOTE_SEQ - 1;

export class AttemptTask {
  /** The engine's guard stopped the task: it ran past its timeout. */
  timedOut = false;
  cancelled = false;
  /** Why what the task left was refused (TaskOutputRefused): the attempt fails with it. */
  refused: string | undefined;
  private wake: (() => void) | undefined;
  /** Lines of the step's log the engine says were lost, said once the task's other lines are stored. */
  private readonly lost: string[] = [];

  constructor(
    private readonly deps: TaskDeps,
    readonly executor: ActionExecutor,
    readonly taskId: string,
    private readonly onError: TaskErrorSink,
    private readonly onLeftovers?: LeftoverSink,
    /** The run and step the task belongs to, for what its agent spooled. */
    private readonly owner?: { runId: string; stepId: string },
  ) {}

  create(spec: TaskSpec): Promise<void> {
    return this.executor.create(spec);
  }

  start(): Promise<void> {
    return this.executor.start(this.taskId);
  }

  status(): Promise<TaskState> {
    return this.executor.status(this.taskId);
  }

  /** Stops the task: at once when it is being waited for, else as soon as it is. */
  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  /**
   * Resolves when the task has ended. Past `timeoutSeconds` plus the grace period and the slack, or
   * on cancel, the executor's cancel is called and the exit waited for another grace period and
   * slack; a task still there then is taken as `gone`.
   */
  async wait(timeoutSeconds?: number): Promise<TaskState> {
    const { clock, graceSeconds, guardSlackSeconds } = this.deps;
    const exit = this.executor.wait ? this.executor.wait(this.taskId) : this.poll();
    const timers: Array<() => void> = [];
    const interrupted = new Promise<undefined>((resolve) => {
      this.wake = () => resolve(undefined);
      if (this.cancelled) resolve(undefined);
      if (timeoutSeconds !== undefined) {
        // The agent enforces the timeout itself; this guard only acts when the agent cannot.
        const ms = (timeoutSeconds + graceSeconds + guardSlackSeconds) * 1000;
        timers.push(
          clock.setTimer(ms, () => {
            this.timedOut = true;
            resolve(undefined);
          }),
        );
      }
    });
    try {
      const first = await Promise.race([exit, interrupted]);
      if (first) return first;
      await this.executor.cancel(this.taskId);
      const bounded = new Promise<TaskState>((resolve) => {
        const ms = (graceSeconds + guardSlackSeconds) * 1000;
        timers.push(clock.setTimer(ms, () => resolve({ phase: 'gone', message: 'did not stop after cancel' })));
      });
      return await Promise.race([exit, bounded]);
    } finally {
      for (const stop of timers) stop();
      this.wake = undefined;
    }
  }

  /** The agent's report decides; the exit code is the fallback when no report arrived. */
  async result(state: TaskState): Promise<AttemptResult> {
    // The agent sends its report only once its spool is delivered: a report that came through the
    // callback means nothing is left spooled (reading a container's spool costs a round trip).
    const delivered = this.deps.takeReport(this.taskId);
    const spool = delivered ? undefined : await this.ingestSpool();
    const report = delivered ?? this.deps.takeReport(this.taskId) ?? (await this.readReport());
    const result = attemptResult(report, state, this);
    await this.writeNote();
    await this.sayLostLines();
    // A step counts as succeeded only once the files it passes on are in the blob store.
    if (result.status === 'success' && spool && spool.fileErrors.length > 0)
      return { ...result, status: 'failed', error: `declared files were not stored: ${spool.fileErrors.join('; ')}` };
    return result;
  }

  /**
   * Takes in what the agent spooled while no engine listened (log lines, events, files, its
   * report). Requests that cannot be read are recorded (`executor.error`, op `spool`).
   */
  async ingestSpool(): Promise<SpoolIntake | undefined> {
    if (!this.deps.intake || !this.owner) return undefined;
    let source: SpoolSource | undefined;
    try {
      source = await this.spoolSource();
    } catch (err) {
      this.noteRefusal(err);
      source = { lost: `the agent's spool could not be read (${(err as Error).message}): lines it held are lost` };
    }
    if (!source) return undefined;
    if ('lost' in source) {
      await this.sayLost(source.lost);
      return undefined;
    }
    let spool: SpoolIntake | undefined;
    try {
      spool = await ingestSpool(source.dir, { taskId: this.taskId, ...this.owner }, this.deps.intake);
    } catch (err) {
      if (!(err instanceof TaskOutputRefused)) {
        await this.onError('spool', this.taskId, err);
        return undefined;
      }
      this.noteRefusal(err);
      await this.sayLost(`the agent's spool could not be read (${err.message}): lines it held are lost`);
      return undefined;
    }
    if (spool && spool.unreadable > 0) {
      await this.sayLost(
        `${spool.unreadable} requests the agent spooled while no engine listened could not be read: the log lines and events in them are lost`,
      );
    }
    return spool;
  }

  private async spoolSource(): Promise<SpoolSource | undefined> {
    if (this.executor.takeSpool) return this.executor.takeSpool(this.taskId);
    const dir = this.executor.spoolDir?.(this.taskId);
    return dir ? { dir } : undefined;
  }

  /**
   * Recorded (`executor.error`, op `spool`) at once, and said in the step's log by `sayLostLines`:
   * a step's lines read in the order they were stored, and these go last.
   */
  private async sayLost(lost: string): Promise<void> {
    await this.onError('spool', this.taskId, new Error(lost));
    this.lost.push(lost);
  }

  /** What `sayLost` kept, in one batch after the agent's own and the executor's note. */
  async sayLostLines(): Promise<void> {
    const lost = this.lost.splice(0);
    if (lost.length > 0) await this.log(LOST_NOTE_SEQ, ...lost);
  }

  /** The executor's note on how the task ran (which agent ran it), in the step's log. */
  private async writeNote(): Promise<void> {
    try {
      const note = await this.executor.note?.(this.taskId);
      if (note) await this.log(EXECUTOR_NOTE_SEQ, note);
    } catch (err) {
      await this.onError('note', this.taskId, err);
    }
  }

  private async log(seq: number, ...texts: string[]): Promise<void> {
    if (!this.deps.intake || !this.owner) return;
    const ts = this.deps.clock.now();
    const entries = texts.map((text) => ({ stream: 'agent' as const, text: `caravan: ${text}`, ts }));
    await this.deps.intake.logs({ taskId: this.taskId, ...this.owner, tokenSha256: '' }, { seq, entries });
  }

  /**
   * Kills what the task left running (recorded through the LeftoverSink), then removes the task
   * and its files (among them its context, which holds secrets). Nothing of the task runs on once
   * this returns; the removal itself may still be under way, with `finishLater`.
   */
  async remove(): Promise<void> {
    try {
      const pids = (await this.executor.reap?.(this.taskId)) ?? [];
      if (pids.length > 0) await this.onLeftovers?.(this.taskId, pids);
    } catch (err) {
      await this.onError('reap', this.taskId, err);
    }
    const removal = this.executor.remove(this.taskId).catch((err: unknown) => this.onError('remove', this.taskId, err));
    if (this.deps.finishLater) this.deps.finishLater(removal);
    else await removal;
  }

  private async readReport(): Promise<AgentReport | undefined> {
    try {
      return await this.executor.readReport?.(this.taskId);
    } catch (err) {
      this.noteRefusal(err);
      await this.onError('readReport', this.taskId, err);
      return undefined;
    }
  }

  private noteRefusal(err: unknown): void {
    if (err instanceof TaskOutputRefused) this.refused ??= err.message;
  }

  private async poll(): Promise<TaskState> {
    for (;;) {
      const s = await this.executor.status(this.taskId);
      if (s.phase === 'exited' || s.phase === 'gone') return s;
      await sleep(this.deps.clock, this.deps.statusPollMs);
    }
  }
}
