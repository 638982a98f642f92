/** Types of `pipeline.yml`. See spec/schemas/pipeline.schema.json. */
import type { CacheDecl } from './action-types.js';

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface PipelineParam {
  type: 'string' | 'number' | 'boolean';
  default?: string | number | boolean;
  required?: boolean;
  description?: string;
  /** Where the param is declared (its name under `params:`), for errors about the values a run is given. */
  loc?: SourceLocation;
}

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  count: number;
  /** Seconds before the first retry; each later one waits `factor` times longer, capped at `maxSeconds`. */
  backoffSeconds: number;
  factor: number;
  maxSeconds: number;
}

export interface StepFile {
  name: string;
  path: string;
}

export interface PipelineStep {
  id: string;
  /** `scope/name@range`, or a nested pipeline's file (`./deploy/pipeline.yml`), exactly as written. */
  uses: string;
  /** Set when the step runs another pipeline: its file, relative to this pipeline's folder. */
  pipeline?: string;
  /** Set when the step runs a pipeline registered on the server (`uses: deploy`): its name. */
  registered?: string;
  /** Parsed parts of `uses`. */
  action: { name: string; range: string };
  with: Record<string, unknown>;
  env: Record<string, string>;
  if?: string;
  /** Seconds. */
  timeout?: number;
  retry?: RetryPolicy;
  priority: number;
  executor?: string;
  /** Container image to run the action in (docker and k8s executors), overriding the action's. */
  image?: string;
  files: StepFile[];
  caches: CacheDecl[];
  /** Resolved dependencies: explicit `needs` plus every step of the previous stage. */
  needs: string[];
  /** Index of the stage the step came from, when stages are used. */
  stage?: number;
  loc: SourceLocation;
  /** Where each `with` key's value is written (absent in runs stored before it existed). */
  withLocs?: Record<string, SourceLocation>;
}

/** `steps.<step>.outputs.<name>` (or Erda's `outputs.<step>.<name>`) read by another step. */
export interface OutputReference {
  /** The step whose fields hold the expression. */
  from: string;
  step: string;
  output: string;
  loc: SourceLocation;
}

/** At most one run of a group at once on caravan server (GitHub Actions' `concurrency`). */
export interface PipelineConcurrency {
  /** May hold `${{ params.x }}`: evaluated with the run's params. */
  group: string;
  /** A new run of the group cancels the one in progress instead of waiting. */
  cancelInProgress: boolean;
  /** A scheduled tick that finds a run of the group queued or running starts nothing. */
  skipIfBusy?: boolean;
}

/** How a schedule makes up for ticks missed while no server ran. */
export type CatchUp = 'none' | 'latest' | 'all';

/** One `on.schedule` entry. */
export interface PipelineSchedule {
  /** Five fields, or six with seconds first. */
  cron: string;
  /** IANA zone the fields are read in (default UTC). */
  timezone: string;
  catchUp: CatchUp;
  /** With catchUp all: the most missed ticks fired. */
  maxCatchUp: number;
  /** The params each scheduled run gets; the pipeline's param defaults fill the rest. */
  with: Record<string, string | number | boolean>;
  loc: SourceLocation;
}

/** `on:`: what starts a registered pipeline by itself on caravan server. */
export interface PipelineTriggers {
  schedule: PipelineSchedule[];
  /** The stored secret a webhook's sender signs with. */
  webhook?: { secret: string; loc: SourceLocation };
}

export interface Pipeline {
  version: string;
  name: string;
  priority: number;
  concurrency?: PipelineConcurrency;
  on?: PipelineTriggers;
  params: Record<string, PipelineParam>;
  envs: Record<string, string>;
  /** Names only: values come from the engine's secret sources. */
  secrets: string[];
  /** Every step, in file order. */
  steps: PipelineStep[];
  /** What the pipeline gives back when run as a nested step: name → `${{ }}` template over its steps. */
  outputs?: Record<string, string>;
  file: string;
  /** Set on a run of a registered pipeline: its registered name (its secrets' scope) and the revision run. */
  registered?: { name: string; revision: number };
  /** Every output of one step read by another, for checks against the actions' declared outputs. */
  outputRefs?: OutputReference[];
}
