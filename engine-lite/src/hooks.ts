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
