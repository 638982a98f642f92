/**
 * One run's scheduler on fakes only: an in-memory store, a ControlledExecutor, callback grants
 * that open no port and a FakeClock. No process, no file, no timer of the real clock.
 */
import { createHash } from 'node:crypto';
import type { LoadedAction } from '../../src/actions/resolver.js';
import type { CallbackGrants, TaskGrant } from '../../src/callback/server.js';
import type { EngineDeps, EngineEvent } from '../../src/engine-deps.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { EngineHooks } from '../../src/hooks.js';
import { textMasker } from '../../src/masking.js';
import { enginePaths } from '../../src/paths.js';
import { RunScheduler } from '../../src/run-scheduler.js';
import type { RunStatus } from '../../src/status.js';
import type { ActionSpec } from '../../src/step-types.js';
import type { RunRecord, StepRecord } from '../../src/store/types.js';
import { ControlledExecutor } from './controlled-executor.js';
import { FakeClock, settle } from './fake-clock.js';
import { MemoryStore } from './memory-store.js';
import type { StepInput } from './pipeline.js';
import { makePipeline } from './pipeline.js';

export const TOKEN_SHA256 = createHash('sha256').update('token').digest('hex');

export class FakeGrants implements CallbackGrants {
  port = 40_001;
  readonly granted: string[] = [];
  readonly revoked: string[] = [];
  readonly regranted: Array<{ grant: TaskGrant; port: number }> = [];
  /** What `regrant` answers: whether the old port could be had, or an error it throws. */
  regrantAnswer: boolean | Error = true;

  grant(taskId: string): { url: string; token: string; tokenSha256: string } {
    this.granted.push(taskId);
    return { url: `http://127.0.0.1:${this.port}/api/tasks/${taskId}`, token: 'token', tokenSha256: TOKEN_SHA256 };
  }

  async regrant(grant: TaskGrant, port: number): Promise<boolean> {
    this.regranted.push({ grant, port });
    if (this.regrantAnswer instanceof Error) throw this.regrantAnswer;
    return this.regrantAnswer;
  }

  revoke(taskId: string): void {
    this.revoked.push(taskId);
  }
}

export interface HarnessOptions {
  concurrency?: number;
  executorLimits?: Record<string, number>;
  hooks?: EngineHooks[];
  secrets?: Record<string, string>;
  /** Each step's action, by step id (default: runs `true`, no timeout). */
  specs?: Record<string, Partial<ActionSpec>>;
  /** The store as a stopped engine left it: step records to merge, the run's fields. */
  records?: Record<string, Partial<StepRecord>>;
  run?: Partial<RunRecord>;
  executor?: ControlledExecutor;
  listener?: (e: EngineEvent) => void;
}

export class RunHarness {
  readonly journal: string[] = [];
  readonly clock = new FakeClock();
  readonly store = new MemoryStore(this.journal);
  readonly grants = new FakeGrants();
  readonly emitted: EngineEvent[] = [];
  readonly exec: ControlledExecutor;
  readonly deps: EngineDeps;
  readonly run: RunRecord;
  private readonly steps: StepRecord[];
  private readonly actions = new Map<string, LoadedAction>();
  scheduler: RunScheduler | undefined;

  constructor(stepInputs: StepInput[], opts: HarnessOptions = {}) {
    this.exec = opts.executor ?? new ControlledExecutor(this.journal);
    const pipeline = makePipeline(stepInputs, { secrets: Object.keys(opts.secrets ?? {}) });
    this.run = {
      id: 'run1',
      pipelineName: pipeline.name,
      file: pipeline.file,
      source: '',
      pipeline,
      params: {},
      actions: {},
      secretNames: pipeline.secrets,
      executor: this.exec.kind,
      concurrency: opts.concurrency ?? 4,
      status: 'queued',
      cancelRequested: false,
      createdAt: this.clock.now(),
      ...opts.run,
    };
    this.steps = pipeline.steps.map((s, i) => ({
      runId: this.run.id,
      stepId: s.id,
      status: 'queued' as const,
      attempt: 0,
      outputs: {},
      order: i,
      ...opts.records?.[s.id],
    }));
    for (const s of pipeline.steps) {
      const resolved = { name: s.action.name, range: s.action.range, version: '1.0.0', integrity: 'sha512-x' };
      const spec: ActionSpec = {
        name: s.action.name,
        version: '1.0.0',
        description: '',
        inputs: {},
        outputs: {},
        runs: { command: 'true' },
        files: [],
        caches: [],
        ...opts.specs?.[s.id],
      };
      this.actions.set(s.id, { resolved: { ...resolved, source: 'registry' }, spec, dir: '/nonexistent' });
    }
    const secrets = opts.secrets ?? {};
    this.deps = {
      store: this.store,
      blobs: {
        read: () => {
          throw new Error('no blobs in unit tests');
        },
      },
      paths: enginePaths('/nonexistent-caravan-home'),
      executors: new ExecutorRegistry().add(this.exec),
      callback: this.grants,
      hooks: opts.hooks ?? [],
      masker: textMasker(Object.values(secrets)),
      clock: this.clock,
      graceSeconds: 10,
      guardSlackSeconds: 5,
      statusPollMs: 250,
      cancelPollMs: 300,
      concurrency: (run) => run.concurrency,
      executorLimit: (kind) => opts.executorLimits?.[kind] ?? Number.POSITIVE_INFINITY,
      secretsFor: (names) => Object.fromEntries(names.filter((n) => n in secrets).map((n) => [n, secrets[n]!])),
      contractEnv: () => ({}),
      takeReport: () => undefined,
      emit: (e) => {
        this.emitted.push(e);
        opts.listener?.(e);
      },
    };
  }

  /** The run's end: its final status. */
  done: Promise<RunStatus> | undefined;

  /** Stores the run, starts its scheduler and lets it go as far as it can without the clock moving. */
  async start(): Promise<void> {
    await this.store.createRun(this.run, this.steps);
    this.journal.length = 0;
    this.scheduler = new RunScheduler(this.deps, {
      run: structuredClone(this.run),
      steps: structuredClone(this.steps),
      actions: this.actions,
      files: [],
    });
    this.done = this.scheduler.execute();
    // Tests await it; this only keeps a rejection that comes before they do from being reported unhandled.
    this.done.catch(() => undefined);
    await settle();
  }

  /** The step's record as stored. */
  step(id: string): StepRecord {
    return this.store.steps.get(this.run.id)!.find((s) => s.stepId === id)!;
  }

  /** The types of the step's events, in order. */
  events(stepId: string): string[] {
    return this.store.events.filter((e) => e.stepId === stepId).map((e) => e.type);
  }
}
