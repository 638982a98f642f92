/**
 * engine-lite's entry point: creates runs (actions resolved and recorded before anything starts),
 * executes and resumes them, each with its own RunScheduler, hosts the callback API the agents
 * report to, and takes cancel requests. The inside of a run is described in docs/engine.md.
 */
import type { RunClaim } from './store/run-claims.js';
import { availableParallelism } from 'node:os';
import type { ActionResolver } from './actions/resolver.js';
import { builtinActionsDir, DefaultActionResolver } from './actions/resolver.js';
import { BlobStore } from './blobs.js';
import { CallbackIntake } from './callback-intake.js';
import type { CallbackServerOptions } from './callback/server.js';
import { CallbackServer } from './callback/server.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { EngineDeps, EngineEvent, SecretHolder } from './engine-deps.js';
import { defaultExecutors } from './executors/defaults.js';
import type { ExecutorRegistry } from './executors/registry.js';
import { isAlive } from '@caravan/registry';
import type { EngineHooks } from './hooks.js';
import type { GrowingMasker } from './masking.js';
import { growingMasker } from './masking.js';
import type { EnginePaths } from './paths.js';
import { enginePaths } from './paths.js';
import type { CreateRunInput, TakeOver } from './run-creation.js';
import { EngineError, loadRunActions, newRun } from './run-creation.js';
import { RunRecorder } from './run-recorder.js';
import { RunScheduler } from './run-scheduler.js';
import { PipelineExecutor } from './nested/pipeline-executor.js';
import { NESTED_EXECUTOR, type RegisteredPipelineLookup } from '@caravan/spec';
import type { StepSlots } from './step-slots.js';
import type { RunStatus } from './status.js';
import type { EngineStore, NewQueueEntry, RunRecord } from './store/types.js';
import type { WebhookOptions } from './webhooks.js';
import { WebhookDispatcher } from './webhooks.js';

export { EngineError } from './run-creation.js';
export type { CreateRunInput } from './run-creation.js';

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
  /**
   * A run's own secrets (the service keeps them per run and per scope, so a nested run is asked
   * for with its own pipeline); when it gives some, they replace `secrets` for that run.
   */
  runSecrets?: (run: SecretHolder) => Record<string, string> | undefined;
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
  /** Executor slots shared by all runs, in one queue (the service); absent: each run has its own. */
  slots?: StepSlots;
  /** Where a nested step's registered pipeline (`uses: deploy`) is read: caravan server's pipeline store. */
  registeredPipeline?: RegisteredPipelineLookup;
}

export class Engine {
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly live = new Map<string, RunScheduler>();
  private readonly deps: EngineDeps;
  private readonly webhooks?: WebhookDispatcher;
  private readonly masker: GrowingMasker;
  readonly paths: EnginePaths;

  private constructor(
    private readonly opts: EngineOptions,
    readonly callback: CallbackServer,
    readonly executors: ExecutorRegistry,
    private readonly resolver: ActionResolver,
    { masker, blobs, intake }: { masker: GrowingMasker; blobs: BlobStore; intake: CallbackIntake },
  ) {
    this.paths = enginePaths(opts.home);
    this.masker = masker;
    if (opts.webhooks && opts.webhooks.urls.length > 0) {
      this.webhooks = new WebhookDispatcher({
        ...opts.webhooks,
        onGiveUp: (url, type, reason) => opts.webhooks?.onGiveUp?.(url, type, masker.mask(reason)),
      });
    }
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
      ...(opts.slots ? { slots: opts.slots } : {}),
      executorLimit: (kind) => opts.executorLimits?.[kind] ?? Number.POSITIVE_INFINITY,
      secretsFor: (names, run) => {
        const secrets = this.secretsOf(run);
        return Object.fromEntries(names.filter((n) => n in secrets).map((n) => [n, secrets[n]!]));
      },
      contractEnv: (runId, stepId, workspace) => ({
        CARAVAN_RUN_ID: runId,
        CARAVAN_STEP_ID: stepId,
        CARAVAN_WORKSPACE: workspace,
        CARAVAN_CACHE_DIR: this.paths.actionsCache,
        CARAVAN_ARTIFACTS_DIR: this.paths.artifacts,
        CARAVAN_APPROVALS_DIR: this.paths.approvals,
      }),
      takeReport: (taskId) => intake.takeReport(taskId),
      intake,
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
    const masker = growingMasker(Object.values(opts.secrets ?? {}));
    const blobs = new BlobStore(paths.blobs);
    blobs.sweepTemp();
    const intake = new CallbackIntake({
      masker,
      blobs,
      recorderFor: (runId) => box.engine!.recorderFor(runId),
      fileStored: (f) => box.engine!.live.get(f.runId)?.addFile(f),
    });
    const callback = new CallbackServer(intake, opts.callback);
    const engine = new Engine(opts, callback, executors, resolver, { masker, blobs, intake });
    box.engine = engine;
    if (!executors.has(NESTED_EXECUTOR))
      executors.register(NESTED_EXECUTOR, () => new PipelineExecutor(engine, opts.registeredPipeline));
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

  /** How many listeners are subscribed (the service checks that closed streams leave none behind). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Every listener hears of every change; what they throw is rethrown after, for the run's log. */
  private emit(e: EngineEvent): void {
    const errors: unknown[] = [];
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        errors.push(err);
      }
    }
    if (this.webhooks)
      this.webhooks.send(e.type === 'run' ? { ...e, type: `run.${e.status}` } : { ...e, type: `step.${e.status}` });
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} listeners failed`);
  }

  /** The live run's recorder, or one that only appends (logs, events, files) for a run not driven here. */
  private recorderFor(runId: string): RunRecorder {
    return this.live.get(runId)?.recorder ?? new RunRecorder(this.deps, runId);
  }

  /** The names of the secrets a (nested) run's steps get, asked for before the run is created. */
  secretNamesOf(run: SecretHolder): ReadonlySet<string> {
    return new Set(Object.keys(this.secretsOf(run)));
  }

  /** The secrets a run's steps get: its own when the host keeps them per run, else the engine's. */
  private secretsOf(run: SecretHolder | undefined): Record<string, string> {
    return (run === undefined ? undefined : this.opts.runSecrets?.(run)) ?? this.opts.secrets ?? {};
  }

  /** Values to hide from everything stored or sent from now on (a run's own secrets). */
  addMaskedValues(values: readonly string[]): void {
    this.masker.add(values);
  }

  /**
   * Validates, resolves every action to an exact version + integrity, and stores the run (status
   * queued). `secretNames`: the secrets the run will be given, when not the engine's own.
   */
  async createRun(input: CreateRunInput, secretNames?: ReadonlySet<string>): Promise<RunRecord> {
    return (await this.createClaimedRun(input, secretNames))!;
  }

  /**
   * As createRun, recording `claim` (a tick, a delivery) with the run; undefined when another run holds it.
   * `queue`: a server's queue entry, stored in the same transaction.
   */
  async createClaimedRun(
    input: CreateRunInput,
    secretNames?: ReadonlySet<string>,
    claim?: RunClaim,
    queue?: NewQueueEntry,
    takeOver?: TakeOver,
  ): Promise<RunRecord | undefined> {
    const fresh = await newRun(input, {
      executors: this.executors,
      resolver: this.resolver,
      secretNames: secretNames ?? new Set(Object.keys(this.opts.secrets ?? {})),
      clock: this.deps.clock,
    });
    const { run } = fresh;
    const { steps, carried } = takeOver ? takeOver(run.id, fresh.steps) : { steps: fresh.steps, carried: undefined };
    const recorder = new RunRecorder(this.deps, run.id);
    return (await recorder.created(run, steps, { actions: run.actions }, claim, queue, carried)) ? run : undefined;
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
    const given = this.secretsOf(run);
    const missing = run.secretNames.filter((n) => !(n in given));
    if (missing.length > 0)
      throw new EngineError(
        `run ${runId} needs secrets ${missing.join(', ')}, which are not stored: give them again (--secret, CARAVAN_SECRET_<NAME> or --secrets-file)`,
      );
    const actions = await loadRunActions(this.resolver, run);
    const scheduler = new RunScheduler(this.deps, {
      run,
      steps: await this.store.getSteps(runId),
      actions,
      files: await this.store.getFiles(runId),
    });
    this.live.set(runId, scheduler);
    try {
      return await scheduler.execute();
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
    await this.recorderFor(runId).cancelRequested();
    this.live.get(runId)?.cancel();
  }

  async close(): Promise<void> {
    for (const run of this.live.values()) run.cancel();
    await this.callback.close();
    await this.webhooks?.flush();
  }
}
