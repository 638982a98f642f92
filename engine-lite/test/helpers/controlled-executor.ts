/**
 * An in-process executor whose tasks end only when a test says so (`end`), for unit tests on a
 * fake clock. Every call is noted in `journal`, which a test may share with a MemoryStore to see
 * the order of store writes and executor calls.
 */
import type { AgentReport } from '@caravan/spec';
import type { ActionExecutor, TaskPhase, TaskSpec, TaskState } from '../../src/executors/types.js';

interface Task {
  stepId: string;
  spec?: TaskSpec;
  state: TaskState;
  exit?: Promise<TaskState>;
  finish?: (s: TaskState) => void;
  report?: AgentReport;
}

export function report(status: AgentReport['status'], extra: Partial<AgentReport> = {}): AgentReport {
  return {
    status,
    exitCode: status === 'success' ? 0 : 1,
    signal: null,
    outputs: {},
    errors: status === 'success' ? [] : [{ message: `the action ${status}`, kind: 'exit' }],
    warnings: [],
    annotations: [],
    files: [],
    stderrExcerpt: [],
    durationMs: 0,
    masked: 0,
    ...extra,
  };
}

export class ControlledExecutor implements ActionExecutor {
  readonly usesWorkspace = false;
  readonly tasks = new Map<string, Task>();
  /** Step ids, in the order their tasks started. */
  readonly started: string[] = [];
  /** Task ids the engine cancelled. */
  readonly cancelled: string[] = [];
  /** When set, cancel does not stop a task (an agent that cannot stop its action). */
  stubborn = false;
  /** When set, `remove` throws it. */
  removeError: Error | undefined;
  wait?: (taskId: string) => Promise<TaskState>;

  constructor(
    readonly journal: string[] = [],
    readonly kind = 'ctl',
    opts: { canWait?: boolean } = {},
  ) {
    if (opts.canWait !== false) this.wait = async (taskId) => this.tasks.get(taskId)?.exit ?? { phase: 'gone' };
  }

  get running(): string[] {
    return [...this.tasks.values()].filter((t) => t.state.phase === 'running').map((t) => t.stepId);
  }

  async create(spec: TaskSpec): Promise<void> {
    this.journal.push(`create ${spec.taskId}`);
    if (!this.tasks.has(spec.taskId))
      this.tasks.set(spec.taskId, { stepId: spec.stepId, spec, state: { phase: 'created' } });
  }

  async start(taskId: string): Promise<void> {
    this.journal.push(`start ${taskId}`);
    const t = this.tasks.get(taskId)!;
    if (t.state.phase !== 'created') return;
    this.started.push(t.stepId);
    this.run(t);
  }

  async status(taskId: string): Promise<TaskState> {
    return this.tasks.get(taskId)?.state ?? { phase: 'gone' };
  }

  async cancel(taskId: string): Promise<void> {
    this.journal.push(`cancel ${taskId}`);
    this.cancelled.push(taskId);
    if (!this.stubborn) this.tasks.get(taskId)?.finish?.({ phase: 'exited', exitCode: 143 });
  }

  async remove(taskId: string): Promise<void> {
    this.journal.push(`remove ${taskId}`);
    if (this.removeError) throw this.removeError;
    this.tasks.delete(taskId);
  }

  async readReport(taskId: string): Promise<AgentReport | undefined> {
    return this.tasks.get(taskId)?.report;
  }

  /** Ends the running task of `stepId` with `exitCode` and, unless `withReport` is null, the agent's report. */
  end(
    stepId: string,
    exitCode = 0,
    withReport: AgentReport | null = report(exitCode === 0 ? 'success' : 'failed'),
  ): void {
    const t = [...this.tasks.values()].find((x) => x.stepId === stepId && x.state.phase === 'running');
    if (!t) throw new Error(`no running task for step ${stepId} (running: ${this.running.join(', ') || 'none'})`);
    if (withReport) t.report = withReport;
    t.finish!({ phase: 'exited', exitCode });
  }

  /** Ends the running task `taskId` (`<run>.<step>.<attempt>`) as `end` does. */
  endTask(taskId: string, exitCode = 0): void {
    const t = this.tasks.get(taskId);
    if (t?.state.phase !== 'running') throw new Error(`task ${taskId} is not running`);
    t.report = report(exitCode === 0 ? 'success' : 'failed');
    t.finish!({ phase: 'exited', exitCode });
  }

  /** A task as a stopped engine left it (for recovery tests). */
  seed(taskId: string, stepId: string, phase: TaskPhase, withReport?: AgentReport): void {
    const t: Task = { stepId, state: { phase }, report: withReport };
    this.tasks.set(taskId, t);
    if (phase === 'running' || phase === 'pending') this.run(t);
    if (phase === 'exited') t.state = { phase, exitCode: withReport?.exitCode ?? 0 };
  }

  private run(t: Task): void {
    t.state = { phase: 'running' };
    t.exit = new Promise<TaskState>((resolve) => {
      t.finish = (s) => {
        if (t.state.phase === 'exited') return;
        t.state = s;
        resolve(s);
      };
    });
  }
}
