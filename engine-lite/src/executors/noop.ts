/**
 * An in-process executor that runs nothing: every task exits at once with code 0 (or the code in
 * `env.NOOP_EXIT_CODE`). For scheduling tests and the throughput benchmark.
 */
import type { ActionExecutor, TaskSpec, TaskState } from './types.js';

export class NoopExecutor implements ActionExecutor {
  readonly kind = 'noop';
  readonly usesWorkspace = false;
  private readonly tasks = new Map<string, { spec: TaskSpec; state: TaskState }>();

  async create(task: TaskSpec): Promise<void> {
    if (!this.tasks.has(task.taskId)) this.tasks.set(task.taskId, { spec: task, state: { phase: 'created' } });
  }

  async start(taskId: string): Promise<void> {
    const t = this.tasks.get(taskId);
    if (!t) throw new Error(`noop: task ${taskId} was not created`);
    if (t.state.phase === 'created')
      t.state = { phase: 'exited', exitCode: Number(t.spec.context.env.NOOP_EXIT_CODE ?? 0) };
  }

  async status(taskId: string): Promise<TaskState> {
    return this.tasks.get(taskId)?.state ?? { phase: 'gone' };
  }

  async wait(taskId: string): Promise<TaskState> {
    return this.status(taskId);
  }

  async cancel(taskId: string): Promise<void> {
    const t = this.tasks.get(taskId);
    if (t && t.state.phase !== 'exited') t.state = { phase: 'exited', exitCode: 143 };
  }

  async remove(taskId: string): Promise<void> {
    this.tasks.delete(taskId);
  }
}
