/**
 * Typed in-process hooks: the engine's extension points (Erda's AOP points), so a plugin can veto
 * or decorate a step without touching the core. Hooks run in registration order and are awaited.
 */
import type { PipelineStep } from '@caravan/spec';
import type { RunStatus, StepStatus } from './status.js';

export interface StepHookContext {
  runId: string;
  step: PipelineStep;
  attempt: number;
  executor: string;
}

/** What `beforeStepStart` may decide. */
export type StepStartDecision =
  { veto: { status: 'skipped' | 'error'; reason: string } } | { env: Record<string, string> } | void;

export interface StepEndContext extends StepHookContext {
  status: StepStatus;
  outputs: Record<string, string>;
  error?: string;
  durationMs: number;
}

export interface RunEndContext {
  runId: string;
  status: RunStatus;
  steps: Record<string, StepStatus>;
}

export interface EngineHooks {
  /** Before a ready step leaves the queue for an executor slot. Throwing fails the step (`error`). */
  beforeQueuePop?(ctx: StepHookContext): void | Promise<void>;
  /** Before a step starts: veto it (`skipped` or `error`, with a reason) or add environment variables. */
  beforeStepStart?(ctx: StepHookContext): StepStartDecision | Promise<StepStartDecision>;
  /** After every attempt ends (also unsuccessful ones that will be retried). Errors are recorded, not fatal. */
  afterStepEnd?(ctx: StepEndContext): void | Promise<void>;
  /** After the run reached its final status. Errors are recorded, not fatal. */
  afterRunEnd?(ctx: RunEndContext): void | Promise<void>;
}

/** Runs the hooks in order; hooks that only observe have their errors recorded by `onError`, never thrown. */
export class HookRunner {
  constructor(
    private readonly hooks: readonly EngineHooks[],
    private readonly onError: (hook: 'afterStepEnd' | 'afterRunEnd', err: unknown, stepId?: string) => Promise<void>,
  ) {}

  /** Throws what a hook throws: the step then ends `error`. */
  async beforeQueuePop(ctx: StepHookContext): Promise<void> {
    for (const h of this.hooks) await h.beforeQueuePop?.(ctx);
  }

  /** The first veto (a hook that throws vetoes with `error`), else the variables the hooks add. */
  async beforeStepStart(
    ctx: StepHookContext,
  ): Promise<{ veto: { status: 'skipped' | 'error'; reason: string } } | { env: Record<string, string> }> {
    const env: Record<string, string> = {};
    for (const h of this.hooks) {
      let decision: StepStartDecision;
      try {
        decision = await h.beforeStepStart?.(ctx);
      } catch (err) {
        return { veto: { status: 'error', reason: `beforeStepStart hook: ${(err as Error).message}` } };
      }
      if (decision && 'veto' in decision) return decision;
      if (decision && 'env' in decision) Object.assign(env, decision.env);
    }
    return { env };
  }

  async afterStepEnd(ctx: StepEndContext): Promise<void> {
    for (const h of this.hooks) {
      try {
        await h.afterStepEnd?.(ctx);
      } catch (err) {
        await this.onError('afterStepEnd', err, ctx.step.id);
      }
    }
  }

  async afterRunEnd(ctx: RunEndContext): Promise<void> {
    for (const h of this.hooks) {
      try {
        await h.afterRunEnd?.(ctx);
      } catch (err) {
        await this.onError('afterRunEnd', err);
      }
    }
  }
}
