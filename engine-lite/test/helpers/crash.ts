/**
 * Fault injection for crash tests: a store that dies at a chosen write (that write and every later
 * one throw, as if the engine had been killed just before it), and a process executor that dies
 * at a chosen boundary between its own steps. A "dead" engine makes no write to the store; its
 * agents keep running, as after `kill -9`.
 */
import type { ProcessBoundary, ProcessExecutorOptions } from '../../src/executors/process.js';
import { ProcessExecutor } from '../../src/executors/process.js';
import type { TaskSpec } from '../../src/executors/types.js';
import type { EngineStore } from '../../src/store/types.js';

export class Crash extends Error {}

export type CrashPoint =
  /** The store write that does not happen (the engine is killed just before it). */
  | { write: (method: string, args: unknown[]) => boolean }
  /** Inside the process executor (process.ts), or before its create/start/remove is called. */
  | { executor: ProcessBoundary | 'before-create' | 'before-start' | 'before-remove'; stepId: string };

export class CrashSwitch {
  dead = false;
  where = '';
  private readonly waiters: Array<() => void> = [];

  constructor(readonly point: CrashPoint) {}

  kill(where: string): never {
    if (!this.dead) {
      this.dead = true;
      this.where = where;
      for (const w of this.waiters.splice(0)) w();
    }
    throw new Crash(`crashed at ${where}`);
  }

  check(): void {
    if (this.dead) throw new Crash(`dead (crashed at ${this.where})`);
  }

  /** Resolves once the engine is dead. */
  died(): Promise<void> {
    return this.dead ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

const WRITES = new Set(['createRun', 'updateRun', 'updateStep', 'addEvent', 'appendLogs', 'putFile']);

/** `inner`, whose writes throw from the crash point on; its reads work, and `close` leaves it open. */
export function crashingStore(inner: EngineStore, sw: CrashSwitch): EngineStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'close') return async () => {};
      if (typeof prop !== 'string' || !WRITES.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        sw.check();
        const p = sw.point;
        if ('write' in p && p.write(prop, args)) sw.kill(`${prop} ${JSON.stringify(args.slice(1, 3))}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The process executor, dead from its crash point on (a dead engine calls nothing). */
export class CrashingProcessExecutor extends ProcessExecutor {
  private readonly steps = new Map<string, string>();

  constructor(
    opts: ProcessExecutorOptions,
    private readonly sw: CrashSwitch,
  ) {
    super({
      ...opts,
      boundary: (point, taskId) => {
        sw.check();
        this.at(point, taskId);
      },
    });
  }

  private at(point: string, taskId: string): void {
    const p = this.sw.point;
    if ('executor' in p && p.executor === point && this.steps.get(taskId) === p.stepId) this.sw.kill(point);
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
