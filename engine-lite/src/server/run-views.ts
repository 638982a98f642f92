/**
 * What the API answers about runs: a summary for lists (filtered, cursor-paged) and the full view
 * of one run. Neither holds a secret: runs keep secret names only, and everything else was masked
 * before it was stored.
 */
import type { EngineStore, QueueEntryRecord, RunRecord } from '../store/types.js';
import { ApiError } from './api-error.js';

export interface RunFilter {
  status?: string;
  pipeline?: string;
  /** `key=value` */
  label?: string;
  limit: number;
  cursor?: string;
}

export function runSummary(run: RunRecord, meta: QueueEntryRecord | undefined) {
  return {
    id: run.id,
    pipeline: run.pipelineName,
    file: run.file,
    status: run.status,
    cancelRequested: run.cancelRequested,
    executor: run.executor,
    params: run.params,
    secretNames: run.secretNames,
    priority: meta?.priority ?? run.pipeline.priority,
    labels: meta?.labels ?? {},
    ...(meta?.rerunOf ? { rerunOf: meta.rerunOf } : {}),
    // A registered pipeline's run, top or nested: the name it ran under and the revision.
    ...(run.pipeline.registered ? { registered: run.pipeline.registered } : {}),
    createdAt: run.createdAt,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(run.startedAt !== undefined && run.endedAt !== undefined ? { durationMs: run.endedAt - run.startedAt } : {}),
    ...(run.error ? { error: run.error } : {}),
  };
}

/** A run id; a nested run's adds `.<step>.<attempt>` per level. */
const CURSOR = /^[0-9a-z]+-[0-9a-f]{1,12}(\.[a-z0-9_-]+\.\d+)*$/;

/** Newest first, a page read by one store query; the cursor is the id of the last run of the previous page. */
export async function listRuns(
  store: EngineStore,
  f: RunFilter,
): Promise<{ runs: ReturnType<typeof runSummary>[]; next?: string }> {
  if (f.cursor !== undefined && !CURSOR.test(f.cursor))
    throw new ApiError(
      400,
      'invalid-query',
      `cursor "${f.cursor.slice(0, 40)}" is not a run id`,
      'pass the "next" of the previous page',
    );
  const label = f.label ? splitLabel(f.label) : undefined;
  // One more than asked: whether a next page exists.
  const page = await store.listRunPage({
    ...(f.status ? { status: f.status } : {}),
    ...(f.pipeline ? { pipeline: f.pipeline } : {}),
    ...(label ? { label: { key: label[0], value: label[1] } } : {}),
    ...(f.cursor !== undefined ? { before: f.cursor } : {}),
    limit: f.limit + 1,
  });
  const runs = page.slice(0, f.limit).map(({ run, queue }) => runSummary(run, queue));
  return page.length > f.limit ? { runs, next: runs.at(-1)!.id } : { runs };
}

function splitLabel(label: string): [string, string] {
  const eq = label.indexOf('=');
  if (eq <= 0)
    throw new ApiError(
      400,
      'invalid-query',
      `label "${label.slice(0, 60)}" must be key=value`,
      'for example ?label=team=web',
    );
  return [label.slice(0, eq), label.slice(eq + 1)];
}

export async function runDetail(store: EngineStore, run: RunRecord, meta: QueueEntryRecord | undefined) {
  const [steps, files, events] = await Promise.all([
    store.getSteps(run.id),
    store.getFiles(run.id),
    store.getEvents(run.id),
  ]);
  return {
    ...runSummary(run, meta),
    steps: steps.map((s) => {
      const own = events.filter((e) => e.stepId === s.stepId);
      const summary = own.findLast((e) => e.type === 'step.summary' && e.data.taskId === s.taskId)?.data.summary;
      const action = run.actions[s.stepId];
      return {
        id: s.stepId,
        needs: run.pipeline.steps.find((p) => p.id === s.stepId)?.needs ?? [],
        status: s.status,
        attempt: s.attempt,
        ...(action ? { action: `${action.name}@${action.version}` } : {}),
        ...(s.executor ? { executor: s.executor } : {}),
        // A nested step's child run: its id is the step's task id (nested/pipeline-executor.ts).
        ...(s.taskId && isNestedStep(run, s.stepId) ? { childRun: s.taskId } : {}),
        ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
        ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
        ...(s.startedAt !== undefined && s.endedAt !== undefined ? { durationMs: s.endedAt - s.startedAt } : {}),
        ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
        ...(s.error ? { error: s.error } : {}),
        outputs: s.outputs,
        annotations: own.filter((e) => e.type === 'agent.annotation').map((e) => e.data.annotation ?? e.data),
        files: files.filter((f) => f.stepId === s.stepId).map(({ name, sha256, size }) => ({ name, sha256, size })),
        ...(typeof summary === 'string' ? { summary } : {}),
      };
    }),
  };
}

function isNestedStep(run: RunRecord, stepId: string): boolean {
  const step = run.pipeline.steps.find((p) => p.id === stepId);
  return step?.pipeline !== undefined || step?.registered !== undefined;
}
