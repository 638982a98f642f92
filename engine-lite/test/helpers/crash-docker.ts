/**
 * The docker executor, dead from a chosen crash point on (a dead engine calls nothing; its
 * containers keep running, as after `kill -9`): inside the executor (docker.ts's boundaries) or
 * before its create/start/remove is called.
 */
import { DockerExecutor, type DockerExecutorOptions } from '../../src/executors/docker.js';
import type { DockerBoundary } from '../../src/executors/docker-options.js';
import type { TaskSpec } from '../../src/executors/types.js';
import type { CrashSwitch } from './crash.js';

export type DockerCrashPoint = DockerBoundary | 'before-create' | 'before-start' | 'before-remove';

export class CrashingDockerExecutor extends DockerExecutor {
  private readonly steps = new Map<string, string>();

  constructor(
    opts: DockerExecutorOptions,
    private readonly sw: CrashSwitch,
    private readonly point: { executor: DockerCrashPoint; stepId: string } | undefined,
  ) {
    super({
      ...opts,
      boundary: (at, taskId) => {
        sw.check();
        this.at(at, taskId);
      },
    });
  }

  private at(point: DockerCrashPoint, taskId: string): void {
    if (this.point?.executor === point && this.steps.get(taskId) === this.point.stepId) this.sw.kill(point);
  }

  override async create(task: TaskSpec): Promise<void> {
    this.sw.check();
    this.steps.set(task.taskId, task.stepId);
    this.at('before-create', task.taskId);
    return super.create(task);
  }

  override async start(taskId: string): Promise<void> {
    this.sw.check();
    this.at('before-start', taskId);
    return super.start(taskId);
  }

  override async remove(taskId: string): Promise<void> {
    this.sw.check();
    this.at('before-remove', taskId);
    return super.remove(taskId);
  }
}
