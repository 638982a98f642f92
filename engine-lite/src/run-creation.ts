/**
 * A new run from a pipeline: every check is made and every action resolved to an exact version
 * and integrity before anything is stored, and all problems are reported together.
 */
import { checkActionUsage, formatIssue, NESTED_EXECUTOR } from '@caravan/spec';
import type { ActionSpec, Pipeline, SpecIssue } from '@caravan/spec';
import type { ActionResolver, LoadedAction } from './actions/resolver.js';
import type { Clock } from './clock.js';
import { buildDag } from './dag.js';
import type { ExecutorRegistry } from './executors/registry.js';
import { newRunId } from './ids.js';
import { isNestedAction, nestedLoadedAction } from './nested/nested-action.js';
import { resolveParams } from './params.js';
import type { CarriedRecords, RunRecord, StepRecord } from './store/types.js';

/** One reason a run cannot start; `cause`: the error behind it, if one was thrown (an action could not be fetched). */
export interface RunProblem {
  message: string;
  cause?: unknown;
}

/** A run the engine cannot make or drive; its message lists every problem, one a line. */
export class EngineError extends Error {
  readonly problems: readonly RunProblem[];

  constructor(message: string, problems?: RunProblem[]) {
    super(message);
    this.name = 'EngineError';
    this.problems = problems ?? [{ message }];
  }
}

export interface CreateRunInput {
  pipeline: Pipeline;
  /** The pipeline file's text, kept with the run. */
  source: string;
  /** Checked against the pipeline's `params:`, typed, defaults applied. */
  params?: Record<string, string | number | boolean>;
  executor?: string;
  concurrency?: number;
  /** The webhook payload, read as `${{ event.* }}`. */
  event?: Record<string, unknown>;
  /** The run's id, when the caller fixes it (a nested run's is its parent step's task id); default a new one. */
  id?: string;
  /** Told each warning found by checking the steps against their actions (unknown inputs, undeclared outputs). */
  warn?: (issue: SpecIssue) => void;
}

export interface RunCreationDeps {
  executors: Pick<ExecutorRegistry, 'has' | 'kinds'>;
  resolver: ActionResolver;
  /** The names of the secrets the engine was given. */
  secretNames: ReadonlySet<string>;
  clock: Clock;
}

/** The run and its step records, status queued, ready to be stored; throws EngineError listing every problem. */
export async function newRun(
  input: CreateRunInput,
  deps: RunCreationDeps,
): Promise<{ run: RunRecord; steps: StepRecord[] }> {
  const { pipeline } = input;
  const executor = input.executor ?? 'process';
  const problems: RunProblem[] = [];
  const problem = (message: string, cause?: unknown) =>
    problems.push(cause === undefined ? { message } : { message, cause });
  try {
    buildDag(pipeline.steps);
  } catch (err) {
    throw new EngineError(`${pipeline.file}: ${(err as Error).message}`);
  }
  for (const kind of new Set([executor, ...pipeline.steps.map((s) => s.executor).filter((k): k is string => !!k)])) {
    if (!deps.executors.has(kind))
      problem(
        `unknown executor "${kind}": use one of ${deps.executors
          .kinds()
          .filter((k) => k !== 'noop' && k !== NESTED_EXECUTOR)
          .join(', ')}`,
      );
  }
  const missing = pipeline.secrets.filter((n) => !deps.secretNames.has(n));
  if (missing.length > 0) {
    problem(
      `secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} declared by the pipeline but not given: pass --secret NAME=VALUE, set CARAVAN_SECRET_<NAME>, or use --secrets-file`,
    );
  }
  let params: Record<string, unknown> = {};
  try {
    params = resolveParams(pipeline, (input.params ?? {}) as Record<string, string | number | boolean>);
  } catch (err) {
    problem(`${pipeline.file}: ${(err as Error).message}`);
  }
  const actions: RunRecord['actions'] = {};
  const specs = new Map<string, ActionSpec>();
  for (const step of pipeline.steps) {
    if (step.pipeline || step.registered) {
      actions[step.id] = nestedLoadedAction().resolved;
      continue;
    }
    try {
      const loaded = await deps.resolver.resolve(step.action.name, step.action.range);
      actions[step.id] = loaded.resolved;
      specs.set(step.id, loaded.spec);
      const kind = step.executor ?? executor;
      if (kind === 'process' && 'image' in loaded.spec.runs && !('node' in loaded.spec.runs)) {
        problem(
          `${step.loc.file}:${step.loc.line}:${step.loc.col}: step "${step.id}": ${step.action.name} runs in the image ${loaded.spec.runs.image}; use --executor docker or k8s`,
        );
      }
    } catch (err) {
      problem(
        `${step.loc.file}:${step.loc.line}:${step.loc.col}: step "${step.id}": uses ${step.uses}: ${(err as Error).message}`,
        err,
      );
    }
  }
  const usage = checkActionUsage(pipeline, specs);
  for (const issue of usage.errors) problem(formatIssue(issue));
  if (problems.length > 0) throw new EngineError(problems.map((p) => p.message).join('\n'), problems);
  for (const w of usage.warnings) input.warn?.(w);
  const now = deps.clock.now();
  const run: RunRecord = {
    id: input.id ?? newRunId(now),
    pipelineName: pipeline.name,
    file: pipeline.file,
    source: input.source,
    pipeline,
    params,
    actions,
    secretNames: [...pipeline.secrets],
    executor,
    concurrency: input.concurrency ?? 0,
    status: 'queued',
    cancelRequested: false,
    createdAt: now,
    ...(input.event ? { event: input.event } : {}),
  };
  const steps: StepRecord[] = pipeline.steps.map((s, i) => ({
    runId: run.id,
    stepId: s.id,
    status: 'queued',
    attempt: 0,
    outputs: {},
    order: i,
  }));
  return { run, steps };
}

/**
 * Given the new run's id and its fresh steps, the steps to store instead and what else the run
 * takes over, all stored in the run's own transaction (a failed-only rerun's succeeded steps).
 */
export type TakeOver = (runId: string, steps: StepRecord[]) => { steps: StepRecord[]; carried: CarriedRecords };

/**
 * The actions a stored run recorded, each re-opened at its exact version (a resumed run runs what
 * its first start resolved); an action that cannot be is an EngineError naming its step, as in
 * `newRun`, with the error behind it.
 */
export async function loadRunActions(resolver: ActionResolver, run: RunRecord): Promise<Map<string, LoadedAction>> {
  const actions = new Map<string, LoadedAction>();
  for (const [stepId, resolved] of Object.entries(run.actions)) {
    if (isNestedAction(resolved)) {
      actions.set(stepId, nestedLoadedAction());
      continue;
    }
    try {
      actions.set(stepId, await resolver.load(resolved));
    } catch (err) {
      const message = `run ${run.id}: step "${stepId}": uses ${resolved.name}@${resolved.version}: ${(err as Error).message}`;
      throw new EngineError(message, [{ message, cause: err }]);
    }
  }
  return actions;
}
