/** The parts one run is driven with, made from the engine's deps for the run's scheduler. */
import type { LoadedAction } from './actions/resolver.js';
import type { EngineDeps } from './engine-deps.js';
import { HookRunner } from './hooks.js';
import { RunPlan } from './run-plan.js';
import { RunRecorder } from './run-recorder.js';
import { RunRecovery } from './run-recovery.js';
import type { AttemptDeps } from './step-attempt.js';
import { exportsFromEvents, ExportsTap } from './step-exports.js';
import type { RunProgress } from './step-inputs.js';
import { StepInputs } from './step-inputs.js';
import type { FileRecord, RunRecord, StepRecord } from './store/types.js';

export interface RunParts {
  plan: RunPlan;
  recorder: RunRecorder;
  hooks: HookRunner;
  inputs: StepInputs;
  recovery: RunRecovery;
  attempt: AttemptDeps;
}

export interface StoredRun {
  run: RunRecord;
  steps: StepRecord[];
  actions: ReadonlyMap<string, LoadedAction>;
  files: FileRecord[];
}

/** `progress` is the scheduler's own state: which steps are final, whether the run is being cancelled. */
export function runParts(
  deps: EngineDeps,
  { run, steps, actions, files }: StoredRun,
  progress: Pick<RunProgress, 'isFinished' | 'cancelRequested'>,
): RunParts {
  const plan = new RunPlan(run, actions);
  const recorder = new RunRecorder(deps, run.id, steps);
  const hooks = new HookRunner(deps.hooks, (hook, err, stepId) =>
    recorder.failure('hook.error', err, stepId, { hook }),
  );
  const inputs = new StepInputs(
    {
      blobs: deps.blobs,
      workDir: deps.paths.work,
      stepCacheDir: deps.paths.stepCache,
      secrets: deps.secretsFor(run.pipeline.secrets, run),
    },
    plan,
    {
      record: (id) => recorder.record(id),
      has: (id) => recorder.has(id),
      records: () => recorder.records(),
      isFinished: progress.isFinished,
      cancelRequested: progress.cancelRequested,
    },
    files,
    // Only a run that already ran steps (a resume) has exports to read back.
    steps.some((s) => s.attempt > 0) ? async () => exportsFromEvents(await deps.store.getEvents(run.id)) : undefined,
  );
  const tap = new ExportsTap(
    recorder,
    deps.masker,
    (x) => inputs.addExports(x),
    (id) => inputs.exported(id).path,
  );
  const executors = tap.executors(deps.executors);
  const recovery = new RunRecovery({ ...deps, executors, recorder, events: deps.store }, plan);
  const attempt: AttemptDeps = {
    ...deps,
    executors,
    takeReport: tap.takeReport((taskId) => deps.takeReport(taskId)),
    recorder: tap.attemptRecorder(),
    inputs,
    hooks,
    stepCacheDir: deps.paths.stepCache,
    cancelRequested: progress.cancelRequested,
  };
  return { plan, recorder, hooks, inputs, recovery, attempt };
}
