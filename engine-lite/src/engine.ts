/**
 * engine-lite's entry point: creates runs (actions resolved and recorded before anything starts),
 * executes and resumes them, hosts the callback API the agents report to, and applies cancel
 * requests written to the store by any process (`caravan cancel`).
 */
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { checkActionUsage, formatIssue } from '../../spec/src/index.js';
import type { ActionSpec, AgentReport, LogEntry, Pipeline, SpecIssue } from '../../spec/src/index.js';
import type { ActionResolver, LoadedAction } from './actions/resolver.js';
import { builtinActionsDir, DefaultActionResolver } from './actions/resolver.js';
import { BlobStore } from './blobs.js';
import type { CallbackServerOptions } from './callback/server.js';
import { CallbackServer } from './callback/server.js';
import { buildDag } from './dag.js';
import type { EngineDeps, EngineEvent } from './engine-deps.js';
import { defaultExecutors } from './executors/defaults.js';
import type { ExecutorRegistry } from './executors/registry.js';
import { isAlive } from './executors/process.js';
import type { EngineHooks } from './hooks.js';
import { newRunId } from './ids.js';
import { resolveParams } from './params.js';
import type { EnginePaths } from './paths.js';
import { enginePaths } from './paths.js';
import { textMasker } from './masking.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { RunScheduler } from './run-scheduler.js';
import type { RunStatus } from './status.js';
import type { EngineStore, RunRecord, StepRecord } from './store/types.js';
import type { WebhookOptions } from './webhooks.js';
import { WebhookDispatcher } from './webhooks.js';

export class EngineError extends Error {}

export interface EngineOptions {
  store: EngineStore;
  /** `$CARAVAN_HOME`: blobs, workspaces, caches, executor state. */
  home: string;
  executors?: ExecutorRegistry;
  resolver?: ActionResolver;
  /** Default global limit of running steps: CPU count × 2. A run may set its own. */
  concurrency?: number;
  /** Limits per executor kind, e.g. `{ docker: 4 }`. */
  executorLimits?: Record<string, number>;
  callback?: CallbackServerOptions;
  hooks?: EngineHooks[];
  webhooks?: WebhookOptions;
  /** Secret values by name; only names a pipeline declares reach its steps. */
  secrets?: Record<string, string>;
  /** How often the store is checked for cancel requests from other processes (ms, default 300). */
  cancelPollMs?: number;
  /** Status poll interval for executors without `wait` (ms, default 250). */
  statusPollMs?: number;
  /** Seconds between SIGTERM and SIGKILL, given to the agent and the executors (default 10). */
  graceSeconds?: number;
  /** Extra seconds the engine waits past a timeout before it stops a step itself (default 5). */
  guardSlackSeconds?: number;
  /** The agent bundle for the process executor (default dist/agent.cjs, or `CARAVAN_AGENT`). */
  agentPath?: string;
  /** Image for container steps whose action names none. */
  defaultImage?: string;
  /** Time for the queue, retries, timeouts and records (tests pass a fake one). */
  clock?: Clock;
}

export interface CreateRunInput {
  pipeline: Pipeline;
  /** The pipeline file's text, kept with the run. */
  source: string;
  /** Checked against the pipeline's `params:`, typed, defaults applied. */
  params?: Record<string, string | number | boolean>;
  executor?: string;
  concurrency?: number;
  /** Told each warning found by checking the steps against their actions (unknown inputs, undeclared outputs). */
  warn?: (issue: SpecIssue) => void;
}

export class Engine {
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly live = new Map<string, RunScheduler>();
  private readonly reports = new Map<string, AgentReport>();
  private readonly deps: EngineDeps;
  private readonly webhooks?: WebhookDispatcher;
  readonly paths: EnginePaths;

  private constructor(
    private readonly opts: EngineOptions,
    readonly callback: CallbackServer,
    readonly executors: ExecutorRegistry,
    private readonly resolver: ActionResolver,
  ) {
    this.paths = enginePaths(opts.home);
    const secrets = opts.secrets ?? {};
    const masker = textMasker(Object.values(secrets));
    if (opts.webhooks && opts.webhooks.urls.length > 0) {
      this.webhooks = new WebhookDispatcher({
        ...opts.webhooks,
        onGiveUp: (url, type, reason) => opts.webhooks?.onGiveUp?.(url, type, masker.mask(reason)),
      });
    }
    const blobs = new BlobStore(this.paths.blobs);
    const defaultConcurrency = opts.concurrency ?? Math.max(2, availableParallelism() * 2);
    this.deps = {
      store: opts.store,
      blobs,
      paths: this.paths,
      executors,
      callback,
      hooks: opts.hooks ?? [],
      masker,
      clock: opts.clock ?? systemClock,
      graceSeconds: opts.graceSeconds ?? 10,
      guardSlackSeconds: opts.guardSlackSeconds ?? 5,
      statusPollMs: opts.statusPollMs ?? 250,
      cancelPollMs: opts.cancelPollMs ?? 300,
      concurrency: (run) => Math.max(1, run.concurrency || defaultConcurrency),
      executorLimit: (kind) => opts.executorLimits?.[kind] ?? Number.POSITIVE_INFINITY,
      secretsFor: (names) => Object.fromEntries(names.filter((n) => n in secrets).map((n) => [n, secrets[n]!])),
      contractEnv: (runId, stepId, workspace) => ({
        CARAVAN_RUN_ID: runId,
        CARAVAN_STEP_ID: stepId,
        CARAVAN_WORKSPACE: workspace,
        CARAVAN_CACHE_DIR: this.paths.actionsCache,
        CARAVAN_ARTIFACTS_DIR: this.paths.artifacts,
        CARAVAN_APPROVALS_DIR: this.paths.approvals,
      }),
      takeReport: (taskId) => {
        const r = this.reports.get(taskId);
        this.reports.delete(taskId);
        return r;
      },
      emit: (e) => this.emit(e),
    };
  }

  static async start(opts: EngineOptions): Promise<Engine> {
    const paths = enginePaths(opts.home);
    const executors =
      opts.executors ??
      defaultExecutors({
        stateDir: paths.tasks,
        agentPath: opts.agentPath,
        graceSeconds: opts.graceSeconds,
        defaultImage: opts.defaultImage,
      });
    const resolver = opts.resolver ?? new DefaultActionResolver(builtinActionsDir());
    const box: { engine?: Engine } = {};
    const callback = new CallbackServer(
      {
        logs: (g, batch) => box.engine!.onLogs(g.runId, g.stepId, g.taskId, batch.seq, batch.entries),
        events: async (g, batch) => box.engine!.onEvents(g.runId, g.stepId, batch.events),
        file: async (g, name, body) => box.engine!.onFile(g.runId, g.stepId, name, body),
        report: async (g, report) => box.engine!.onReport(g.taskId, report),
      },
      opts.callback,
    );
    const engine = new Engine(opts, callback, executors, resolver);
    box.engine = engine;
    await callback.listen();
    return engine;
  }

  get store(): EngineStore {
    return this.opts.store;
  }

  /** Progress events (run and step status changes). Returns an unsubscribe function. */
  on(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the run's */
      }
    }
    if (this.webhooks)
      this.webhooks.send(e.type === 'run' ? { ...e, type: `run.${e.status}` } : { ...e, type: `step.${e.status}` });
  }

  /** Validates, resolves every action to an exact version + integrity, and stores the run (status queued). */
  async createRun(input: CreateRunInput): Promise<RunRecord> {
    const { pipeline } = input;
    const executor = input.executor ?? 'process';
    const problems: string[] = [];
    try {
      buildDag(pipeline.steps);
    } catch (err) {
      throw new EngineError(`${pipeline.file}: ${(err as Error).message}`);
    }
    for (const kind of new Set([executor, ...pipeline.steps.map((s) => s.executor).filter((k): k is string => !!k)])) {
      if (!this.executors.has(kind))
        problems.push(
          `unknown executor "${kind}": use one of ${this.executors
            .kinds()
            .filter((k) => k !== 'noop')
            .join(', ')}`,
        );
    }
    const missing = pipeline.secrets.filter((n) => !(n in (this.opts.secrets ?? {})));
    if (missing.length > 0) {
      problems.push(
        `secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} declared by the pipeline but not given: pass --secret NAME=VALUE, set CARAVAN_SECRET_<NAME>, or use --secrets-file`,
      );
    }
    let params: Record<string, unknown> = {};
    try {
      params = resolveParams(pipeline, (input.params ?? {}) as Record<string, string | number | boolean>);
    } catch (err) {
      problems.push(`${pipeline.file}: ${(err as Error).message}`);
    }
    const actions: RunRecord['actions'] = {};
    const specs = new Map<string, ActionSpec>();
    for (const step of pipeline.steps) {
      try {
        const loaded = await this.resolver.resolve(step.action.name, step.action.range);
        actions[step.id] = loaded.resolved;
        specs.set(step.id, loaded.spec);
        const kind = step.executor ?? executor;
        if (kind === 'process' && 'image' in loaded.spec.runs && !('node' in loaded.spec.runs)) {
          problems.push(
            `${step.loc.file}:${step.loc.line}:${step.loc.col}: step "${step.id}": ${step.action.name} runs in the image ${loaded.spec.runs.image}; use --executor docker or k8s`,
          );
        }
      } catch (err) {
        problems.push(
          `${step.loc.file}:${step.loc.line}:${step.loc.col}: step "${step.id}": uses ${step.uses}: ${(err as Error).message}`,
        );
      }
    }
    const usage = checkActionUsage(pipeline, specs);
    problems.push(...usage.errors.map(formatIssue));
    if (problems.length > 0) throw new EngineError(problems.join('\n'));
    for (const w of usage.warnings) input.warn?.(w);
    const now = Date.now();
    const run: RunRecord = {
      id: newRunId(now),
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
    };
    const steps: StepRecord[] = pipeline.steps.map((s, i) => ({
      runId: run.id,
      stepId: s.id,
      status: 'queued',
      attempt: 0,
      outputs: {},
      order: i,
    }));
    await this.store.createRun(run, steps);
    await this.store.addEvent({ runId: run.id, type: 'run.created', data: { actions }, ts: now });
    return run;
  }

  /** Runs (or continues) a stored run until every step is final. */
  async execute(runId: string): Promise<RunStatus> {
    if (this.live.has(runId)) throw new EngineError(`run ${runId} is already running in this engine`);
    const run = await this.store.getRun(runId);
    if (!run) throw new EngineError(`no run ${runId}: see caravan runs list`);
    if (run.status === 'success' || run.status === 'cancelled') return run.status;
    if (run.enginePid !== undefined && run.enginePid !== process.pid && isAlive(run.enginePid)) {
      throw new EngineError(
        `run ${runId} is still driven by engine process ${run.enginePid}; cancel it with caravan cancel ${runId}, or wait`,
      );
    }
    const missing = run.secretNames.filter((n) => !(n in (this.opts.secrets ?? {})));
    if (missing.length > 0)
      throw new EngineError(
        `run ${runId} needs secrets ${missing.join(', ')}, which are not stored: give them again (--secret, CARAVAN_SECRET_<NAME> or --secrets-file)`,
      );
    const actions = new Map<string, LoadedAction>();
    for (const [stepId, resolved] of Object.entries(run.actions))
      actions.set(stepId, await this.resolver.load(resolved));
    const execution = new RunScheduler(this.deps, {
      run,
      steps: await this.store.getSteps(runId),
      actions,
      files: await this.store.getFiles(runId),
    });
    this.live.set(runId, execution);
    try {
      return await execution.execute();
    } finally {
      this.live.delete(runId);
    }
  }

  /** Continues a run whose engine stopped (e.g. killed): finished steps keep their results. */
  async resume(runId: string): Promise<RunStatus> {
    return this.execute(runId);
  }

  /** Marks the run cancelled in the store; the engine driving it (this one or another) acts on it. */
  async cancel(runId: string): Promise<void> {
    const run = await this.store.getRun(runId);
    if (!run) throw new EngineError(`no run ${runId}: see caravan runs list`);
    await this.store.updateRun(runId, { cancelRequested: true });
    this.live.get(runId)?.cancel();
  }

  private async onLogs(
    runId: string,
    stepId: string,
    taskId: string,
    seq: number,
    entries: LogEntry[],
  ): Promise<boolean> {
    const m = this.deps.masker;
    return this.store.appendLogs(
      runId,
      stepId,
      taskId,
      seq,
      !m.active ? entries : entries.map((e) => ({ ...e, text: m.mask(e.text) })),
    );
  }

  private async onEvents(runId: string, stepId: string, events: { type: string }[]): Promise<void> {
    for (const e of events) {
      const data = this.deps.masker.maskDeep(e) as unknown as Record<string, unknown>;
      await this.store.addEvent({
        runId,
        stepId,
        type: `agent.${e.type}`,
        data,
        ts: typeof data.ts === 'number' ? data.ts : Date.now(),
      });
    }
  }

  private async onFile(runId: string, stepId: string, name: string, body: Readable): Promise<void> {
    const { sha256, size } = await this.deps.blobs.put(body, 1024 * 1024 * 1024);
    const f = { runId, stepId, name, sha256, size };
    await this.store.putFile(f);
    this.live.get(runId)?.addFile(f);
  }

  private async onReport(taskId: string, report: AgentReport): Promise<void> {
    const m = this.deps.masker;
    this.reports.set(taskId, m.maskDeep(report));
  }

  async close(): Promise<void> {
    for (const run of this.live.values()) run.cancel();
    await this.callback.close();
    await this.webhooks?.flush();
  }
}
