/**
 * What a step leaves for later steps, as GitHub's runner does: the variables it exported
 * (`$GITHUB_ENV`), the folders it added to PATH (`$GITHUB_PATH`), its state (`$GITHUB_STATE`) and
 * its summary (`$GITHUB_STEP_SUMMARY`). They come from the agent's report and are recorded as the
 * events `step.exports` ({taskId, env?, path?, state?}) and `step.summary` ({taskId, summary})
 * just before the attempt's result, so that a resumed engine (and `caravan runs show`) reads them
 * back from the run's event log. Only the exports of a step's last attempt count (its taskId).
 */
import type { AgentReport } from '@caravan/spec';
import type { ExecutorSource } from './executors/registry.js';
import type { ActionExecutor } from './executors/types.js';
import type { TextMasker } from './masking.js';
import type { RunRecorder } from './run-recorder.js';
import type { EventRecord, StepPatch } from './store/types.js';

export const EXPORTS_EVENT = 'step.exports';
export const SUMMARY_EVENT = 'step.summary';

export interface StepExports {
  env?: Record<string, string>;
  path?: string[];
  state?: Record<string, string>;
  summary?: string;
}

/** One attempt's exports, as recorded. */
export interface StoredExports {
  stepId: string;
  taskId: string;
  exports: StepExports;
}

/** The report's fields for later steps, or undefined when it has none. */
export function reportExports(report: AgentReport | undefined): StepExports | undefined {
  if (!report) return undefined;
  const out: StepExports = {};
  if (report.exportedEnv && Object.keys(report.exportedEnv).length) out.env = report.exportedEnv;
  if (report.addedPath?.length) out.path = report.addedPath;
  if (report.state && Object.keys(report.state).length) out.state = report.state;
  if (report.summary) out.summary = report.summary;
  return Object.keys(out).length ? out : undefined;
}

/** The recorded exports and summaries of a run, from its event log; a later event of a task wins. */
export function exportsFromEvents(events: readonly EventRecord[]): StoredExports[] {
  const byTask = new Map<string, StoredExports>();
  for (const e of events) {
    if ((e.type !== EXPORTS_EVENT && e.type !== SUMMARY_EVENT) || e.stepId === undefined) continue;
    const { taskId, ...data } = e.data as { taskId?: unknown } & StepExports;
    if (typeof taskId !== 'string') continue;
    const hit = byTask.get(taskId) ?? { stepId: e.stepId, taskId, exports: {} };
    Object.assign(hit.exports, data);
    byTask.set(taskId, hit);
  }
  return [...byTask.values()];
}

/** Folds PATH lists, in order, into one: a folder given again moves to the end (as the runner does). */
export function foldPath(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    for (const dir of list) {
      seen.delete(dir);
      seen.add(dir);
    }
  }
  return [...seen];
}

type AttemptRecorder = Pick<RunRecorder, 'record' | 'stepChanged' | 'event' | 'failure'>;

/**
 * Taps the reports of a run's attempts (from the callback API or the executor's report file) and
 * records their exports just before the attempt's result; `stored` hears of them once recorded.
 * The executors it hands out also give each task its `prependPath` (from `prependPathOf`).
 */
export class ExportsTap {
  private readonly pending = new Map<string, StepExports>();

  constructor(
    private readonly recorder: AttemptRecorder,
    private readonly masker: TextMasker,
    private readonly stored: (s: StoredExports) => void,
    private readonly prependPathOf: (stepId: string) => string[],
  ) {}

  /** Wraps the callback API's `takeReport`. */
  takeReport(take: (taskId: string) => AgentReport | undefined): (taskId: string) => AgentReport | undefined {
    return (taskId) => this.seen(taskId, take(taskId));
  }

  /** The executors, with `readReport` tapped and `prependPath` added to each task's context. */
  executors(source: ExecutorSource): ExecutorSource {
    return { get: async (kind) => this.executor(await source.get(kind)) };
  }

  /** The recorder of the attempts: a result is recorded after the exports of its task. */
  attemptRecorder(): AttemptRecorder {
    const r = this.recorder;
    return {
      record: (id) => r.record(id),
      event: (...a) => r.event(...a),
      failure: (...a) => r.failure(...a),
      stepChanged: async (id: string, patch: StepPatch, data?: Record<string, unknown>) => {
        if (patch.status !== undefined && patch.status !== 'running') await this.flush(id);
        return r.stepChanged(id, patch, data);
      },
    };
  }

  private seen(taskId: string, report: AgentReport | undefined): AgentReport | undefined {
    const x = reportExports(report);
    if (x) this.pending.set(taskId, this.masker.maskDeep(x));
    return report;
  }

  private async flush(stepId: string): Promise<void> {
    const taskId = this.recorder.record(stepId).taskId;
    const x = taskId !== undefined ? this.pending.get(taskId) : undefined;
    if (taskId === undefined || !x) return;
    this.pending.delete(taskId);
    const { summary, ...exports } = x;
    if (Object.keys(exports).length) await this.recorder.event(EXPORTS_EVENT, { taskId, ...exports }, stepId);
    if (summary !== undefined) await this.recorder.event(SUMMARY_EVENT, { taskId, summary }, stepId);
    this.stored({ stepId, taskId, exports: x });
  }

  private executor(ex: ActionExecutor): ActionExecutor {
    return new Proxy(ex, {
      get: (target, prop) => {
        if (prop === 'readReport' && target.readReport)
          return async (taskId: string) => this.seen(taskId, await target.readReport!(taskId));
        if (prop === 'create')
          return (spec: Parameters<ActionExecutor['create']>[0]) => {
            const path = spec.context.prependPath ?? this.prependPathOf(spec.stepId);
            const context = path.length ? { ...spec.context, prependPath: path } : spec.context;
            return target.create({ ...spec, context });
          };
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}
