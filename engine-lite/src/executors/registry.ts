/** Executors by kind: a new runtime is one file that implements ActionExecutor and is registered here. */
import type { ActionExecutor } from './types.js';

export type ExecutorFactory = () => ActionExecutor | Promise<ActionExecutor>;

/** What the run loop needs of the registry: the executor of a kind. */
export interface ExecutorSource {
  get(kind: string): Promise<ActionExecutor>;
}

export class ExecutorRegistry implements ExecutorSource {
  private readonly factories = new Map<string, ExecutorFactory>();
  private readonly instances = new Map<string, Promise<ActionExecutor>>();

  register(kind: string, factory: ExecutorFactory): this {
    this.factories.set(kind, factory);
    this.instances.delete(kind);
    return this;
  }

  /** Registers an existing instance under its own kind. */
  add(executor: ActionExecutor): this {
    return this.register(executor.kind, () => executor);
  }

  kinds(): string[] {
    return [...this.factories.keys()].sort();
  }

  has(kind: string): boolean {
    return this.factories.has(kind);
  }

  /** The executor of `kind`, created once. */
  get(kind: string): Promise<ActionExecutor> {
    let inst = this.instances.get(kind);
    if (!inst) {
      const factory = this.factories.get(kind);
      if (!factory)
        return Promise.reject(new Error(`unknown executor "${kind}": use one of ${this.kinds().join(', ')}`));
      inst = Promise.resolve().then(factory);
      this.instances.set(kind, inst);
    }
    return inst;
  }
}
