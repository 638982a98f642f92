/**
 * What a run's scheduler needs from the engine around it: interfaces only, so tests hand it fakes
 * (an in-memory store, a scripted executor, a fake clock) and no process or file is involved.
 */
import type { AgentReport, Pipeline } from '@caravan/spec';
import type { BlobSource } from './blobs.js';
import type { CallbackGrants, CallbackHandlers } from './callback/server.js';
import type { ExecutorSource } from './executors/registry.js';
import type { Clock } from './clock.js';
import type { EngineHooks } from './hooks.js';
import type { EnginePaths } from './paths.js';
import type { TextMasker } from './masking.js';
import type { StepSlots } from './step-slots.js';
import type { RunStatus, StepStatus } from './status.js';
import type { EngineStore, RunRecord } from './store/types.js';

export type EngineEvent =
  | { type: 'run'; runId: string; status: RunStatus; ts: number }
  | {
      type: 'step';
      runId: string;
      stepId: string;
      status: StepStatus;
      attempt: number;
      ts: number;
      startedAt?: number;
      endedAt?: number;
      error?: string;
    };

/** A run as its secrets are looked up: by its id, and its pipeline's registered name (its scope). */
export interface SecretHolder {
  id: string;
  pipeline: Pick<Pipeline, 'registered'>;
}

export interface EngineDeps {
  store: EngineStore;
  blobs: BlobSource;
  paths: EnginePaths;
  executors: ExecutorSource;
  callback: CallbackGrants;
  hooks: EngineHooks[];
  masker: TextMasker;
  clock: Clock;
  graceSeconds: number;
  guardSlackSeconds: number;
  statusPollMs: number;
  /** How often a running run looks in the store for a cancel request from another process. */
  cancelPollMs: number;
  concurrency(run: RunRecord): number;
  /** Slots shared with the engine's other runs (the service's one queue); absent: each run has its own limits. */
  slots?: StepSlots;
  executorLimit(kind: string): number;
  /** The values of the named secrets of a run (only those the pipeline declares reach a step). */
  secretsFor(names: string[], run?: SecretHolder): Record<string, string>;
  /** The env contract every step gets (CARAVAN_RUN_ID, CARAVAN_WORKSPACE, …). */
  contractEnv(runId: string, stepId: string, workspace: string): Record<string, string>;
  /** The report the agent sent to the callback API for this task, once. */
  takeReport(taskId: string): AgentReport | undefined;
  /** The callback API's handlers: what an agent spooled while no engine listened is taken in through them. */
  intake?: CallbackHandlers;
  /** Told each run and step status change once it is stored; what it throws is logged as `listener.error`. */
  emit(event: EngineEvent): void;
}
