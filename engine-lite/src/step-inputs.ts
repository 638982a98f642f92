/**
 * A step's inputs, gathered just before it starts: its expression context (with only the steps its
 * templates name), the files of the steps it needs unpacked into its workspace, then its params,
 * env, caches and declared files with every `${{ }}` substituted (step-task.ts); its caches are
 * restored once its task is recorded. What the steps it depends on exported (step-exports.ts) goes
 * into its env and PATH.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { listConditionReferences, listReferences } from '@caravan/spec';
import { TarballError } from '@caravan/registry';
import type { BlobSource } from './blobs.js';
import type { RunPlan } from './run-plan.js';
import { BAD_STEP_STATUSES } from './status.js';
import type { StoredExports } from './step-exports.js';
import { foldPath } from './step-exports.js';
import { restoreCache, restoreFile } from './step-files.js';
import { stepCaches, stepEnv, stepFiles, StepInputError, stepParams } from './step-task.js';
import type { ExprContextLike } from './step-types.js';
import type { FileRecord, StepRecord } from './store/types.js';

/** What the inputs read of the run's progress. */
export interface RunProgress {
  record(id: string): StepRecord;
  has(id: string): boolean;
  records(): Iterable<StepRecord>;
  /** Final, and no retry pending. */
  isFinished(id: string): boolean;
  cancelRequested(): boolean;
}

export interface InputsDeps {
  blobs: BlobSource;
  /** `$CARAVAN_HOME/work`: each step's workspace is `<workDir>/<run>/<step>`. */
  workDir: string;
  /** Where step caches are kept. */
  stepCacheDir: string;
  /** The values of the secrets the pipeline declares. */
  secrets: Record<string, string>;
}

export interface ResolvedInputs {
  params: Record<string, unknown>;
  env: Record<string, string>;
  caches: { key: string; path: string }[];
  files: { name: string; path: string }[];
  /** Folders the steps it depends on added to PATH (`context.prependPath`); absent when none. */
  prependPath?: string[];
}

export class StepInputs {
  private readonly refs = new Map<string, Set<string> | 'all'>();
  private readonly failedAbove = new Map<string, boolean>();
  private readonly files = new Map<string, FileRecord[]>();
  private readonly exports = new Map<string, StoredExports>();
  private exportsLoaded: Promise<void> | undefined;
  private runDirMade = false;

  /** `loadExports` reads the exports already recorded (a resumed run), once, before the first step resolves. */
  constructor(
    private readonly deps: InputsDeps,
    private readonly plan: RunPlan,
    private readonly progress: RunProgress,
    fileRecords: readonly FileRecord[],
    private readonly loadExports?: () => Promise<readonly StoredExports[]>,
  ) {
    for (const f of fileRecords) this.addFile(f);
  }

  get secrets(): Record<string, string> {
    return this.deps.secrets;
  }

  /** Files reported by a step's agent, as they arrive (for later dependants). */
  addFile(f: FileRecord): void {
    const list = (this.files.get(f.stepId) ?? []).filter((x) => x.name !== f.name);
    list.push(f);
    this.files.set(f.stepId, list);
  }

  /** What a step's attempt exported, once recorded (for later dependants); a later attempt's replaces it. */
  addExports(x: StoredExports): void {
    this.exports.set(x.stepId, x);
  }

  /**
   * What the steps `id` depends on (directly or through others) exported, in pipeline order: their
   * variables merged (a later step wins) and their PATH folders folded (a repeated one moves last).
   * Only a step's last attempt counts.
   */
  exported(id: string): { env: Record<string, string>; path: string[] } {
    const env: Record<string, string> = {};
    const paths: string[][] = [];
    if (this.exports.size === 0) return { env, path: [] };
    const { index } = this.plan.dag;
    const above = [...this.ancestors(id)].sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    for (const sid of above) {
      const x = this.exports.get(sid);
      if (!x || !this.progress.has(sid) || this.progress.record(sid).taskId !== x.taskId) continue;
      Object.assign(env, x.exports.env);
      if (x.exports.path) paths.push(x.exports.path);
    }
    return { env, path: foldPath(paths) };
  }

  workspace(id: string): string {
    return join(this.deps.workDir, this.plan.id, id);
  }

  makeWorkspace(id: string): void {
    if (!this.runDirMade) {
      mkdirSync(join(this.deps.workDir, this.plan.id), { recursive: true });
      this.runDirMade = true;
    }
    try {
      mkdirSync(this.workspace(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }

  /** The context the step's expressions are evaluated in; `filePaths` are its restored files. */
  context(id: string, filePaths: Record<string, Record<string, string>> = {}): ExprContextLike {
    const steps: NonNullable<ExprContextLike['steps']> = {};
    const dirs: Record<string, string> = {};
    const named = this.referencedSteps(id);
    const ids =
      named === 'all' ? [...this.progress.records()].map((r) => r.stepId) : [...named, ...Object.keys(filePaths)];
    for (const sid of ids) {
      if (!this.progress.has(sid)) continue;
      const rec = this.progress.record(sid);
      steps[sid] = { outputs: rec.outputs, status: rec.status, files: filePaths[sid] ?? {} };
      dirs[sid] = this.workspace(sid);
    }
    const { run } = this.plan;
    return {
      params: run.params,
      steps,
      secrets: this.deps.secrets,
      env: run.pipeline.envs ?? {},
      run: { id: run.id },
      event: run.event ?? {},
      dirs,
      status: {
        success: (this.plan.dag.needs.get(id) ?? []).every((d) => this.progress.record(d).status === 'success'),
        failure: this.hasFailedAncestor(id),
        cancelled: this.progress.cancelRequested(),
      },
    };
  }

  /** Restores the files the step needs or names, then substitutes its inputs; throws StepInputError. */
  async resolve(id: string): Promise<ResolvedInputs> {
    const step = this.plan.step(id);
    const { spec } = this.plan.action(id);
    const ctx = this.context(id, await this.restoreFiles(id));
    await (this.exportsLoaded ??= this.readExports());
    const exported = this.exported(id);
    return {
      params: stepParams(step, spec, ctx),
      env: stepEnv(step, this.plan.run.pipeline.envs ?? {}, ctx, exported.env),
      caches: stepCaches(step, spec, ctx),
      files: stepFiles(step, spec, ctx),
      ...(exported.path.length ? { prependPath: exported.path } : {}),
    };
  }

  private async readExports(): Promise<void> {
    if (!this.loadExports) return;
    for (const x of await this.loadExports()) {
      // The last attempt's, and never over one recorded since (newer).
      if (this.exports.has(x.stepId) || !this.progress.has(x.stepId)) continue;
      if (this.progress.record(x.stepId).taskId === x.taskId) this.exports.set(x.stepId, x);
    }
  }

  private ancestors(id: string, out = new Set<string>()): Set<string> {
    for (const d of this.plan.dag.needs.get(id) ?? []) {
      if (out.has(d)) continue;
      out.add(d);
      this.ancestors(d, out);
    }
    return out;
  }

  /** Unpacks the step's caches into its workspace; one that cannot be restored goes to `onError`, and the step runs. */
  async restoreCaches(
    id: string,
    caches: ResolvedInputs['caches'],
    onError: (key: string, err: unknown) => Promise<void>,
  ): Promise<void> {
    for (const c of caches) {
      await restoreCache(this.deps.stepCacheDir, c.key, this.workspace(id)).catch((err) => onError(c.key, err));
    }
  }

  /** Unpacks the files of the finished steps it needs or names into its workspace; returns their paths. */
  private async restoreFiles(id: string): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    if (this.files.size === 0) return out;
    const named = this.referencedSteps(id);
    const from = new Set([...(this.plan.dag.needs.get(id) ?? []), ...(named === 'all' ? this.files.keys() : named)]);
    const workspace = this.workspace(id);
    for (const dep of from) {
      if (dep === id || !this.progress.isFinished(dep)) continue;
      for (const f of this.files.get(dep) ?? []) {
        // A refused upload fails this step with the reason, not as an internal error.
        (out[dep] ??= {})[f.name] = await restoreFile(this.deps.blobs, f, workspace).catch((err: unknown) => {
          throw err instanceof TarballError ? new StepInputError(err.message) : err;
        });
      }
    }
    return out;
  }

  private hasFailedAncestor(id: string): boolean {
    const known = this.failedAbove.get(id);
    if (known !== undefined) return known;
    const v = (this.plan.dag.needs.get(id) ?? []).some(
      (d) => BAD_STEP_STATUSES.has(this.progress.record(d).status) || this.hasFailedAncestor(d),
    );
    this.failedAbove.set(id, v);
    return v;
  }

  /**
   * Only the steps a step's templates name go into its expression context: building the whole
   * `steps` object for every step would make a run quadratic in its size.
   */
  private referencedSteps(id: string): Set<string> | 'all' {
    const hit = this.refs.get(id);
    if (hit) return hit;
    const step = this.plan.step(id);
    const refs = [
      ...collectTemplates([step.with, step.env, this.plan.run.pipeline.envs, step.caches]).flatMap((t) =>
        listReferences(t),
      ),
      ...(step.if ? listConditionReferences(step.if) : []),
    ];
    let out: Set<string> | 'all' = new Set<string>();
    for (const r of refs) {
      if (r.context !== 'steps' && r.context !== 'dirs') continue;
      const first = r.path[0];
      if (first === undefined) {
        out = 'all';
        break;
      }
      out.add(first);
    }
    this.refs.set(id, out);
    return out;
  }
}

/** Every string inside nested values (with:, env:, caches), for reference listing. */
function collectTemplates(values: unknown[]): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('${{')) out.push(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit);
  };
  values.forEach(visit);
  return out;
}
