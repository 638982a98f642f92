/**
 * The engine as a service: accepts runs, keeps them in one queue (run-queue.ts) whose positions are
 * stored, drives up to `maxRuns` of them at once over the executors, and on start takes over the
 * runs it drove before (the engine's resume: finished steps never run again). A run's secrets are
 * kept sealed (secret-box.ts) until it ends, then wiped.
 */
import { formatIssue, parsePipelineYaml, type RegisteredPipelineLookup } from '@caravan/spec';
import { withNestedFiles } from '../nested/submitted-files.js';
import { writeApproval } from '../approvals.js';
import { cancelRun } from '../cancel-run.js';
import type { Engine } from '../engine.js';
import { EngineError } from '../run-creation.js';
import { rerun } from '../rerun.js';
import type { RunStatus } from '../status.js';
import type { EngineStore, RunClaim, RunRecord } from '../store/types.js';
import { ApiError, notFound } from './api-error.js';
import { GroupHolders, groupOf } from './concurrency-groups.js';
import type { QueueEntry } from './queue-view.js';
import { queuedEntry, runningEntry } from './queue-view.js';
import { queueOrder } from './run-queue.js';
import type { StepSlots } from '../step-slots.js';
import { missingSecretsError, withStoredSecrets, type StoredSecretSource } from '../secret-store/stored-secrets.js';
import type { RunSecrets } from './run-secrets.js';
import type { QueuedRunMeta, ServerStore } from './server-store.js';

export type { QueueEntry } from './queue-view.js';

export interface SubmitInput {
  /** The pipeline YAML text. */
  pipeline: string;
  /** The name problems are reported under (default pipeline.yml). */
  file?: string;
  params?: Record<string, string | number | boolean>;
  secrets?: Record<string, string>;
  priority?: number;
  labels?: Record<string, string>;
  executor?: string;
  /** The webhook payload a triggered run reads as `${{ event.* }}`. */
  event?: Record<string, unknown>;
  /** The nested pipeline files, by their path relative to the top file's folder (as in `uses:`). */
  files?: Record<string, string>;
  /** Set for a registered pipeline's run: its name (the scope of its stored secrets) and revision. */
  registered?: { name: string; revision: number };
}

const FINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

export interface ServiceParts {
  engine: Engine;
  server: ServerStore;
  secrets: RunSecrets;
  /** The executor slots all runs share. */
  slots: StepSlots;
  home: string;
  /** Most runs driven at once. */
  maxRuns: number;
  /** Stored secrets: they fill the declared secrets a run is not given. */
  stored?: StoredSecretSource;
  /** Registered pipelines, for nested steps that name one (`uses: deploy`). */
  registered?: RegisteredPipelineLookup;
  log?: (line: string) => void;
}

export class EngineService {
  private readonly driving = new Map<string, Promise<void>>();
  private stopping = false;
  private paused = false;
  private readonly groups = new GroupHolders();

  constructor(private readonly p: ServiceParts) {}

  get engine(): Engine {
    return this.p.engine;
  }

  get store(): EngineStore {
    return this.p.engine.store;
  }

  /** Steps running now, by executor kind (the shared slots). */
  get slotsInUse(): ReadonlyMap<string, number> {
    return this.p.slots.inUse;
  }

  get maxRuns(): number {
    return this.p.maxRuns;
  }

  /** The secrets of a run driven here (the engine asks through `runSecrets`). */
  secretsOf(runId: string): Record<string, string> | undefined {
    return this.p.secrets.of(runId);
  }

  /** Takes over the runs this service drove or queued before it stopped, in queue order. */
  async start(): Promise<void> {
    for (const meta of this.p.server.metas()) {
      if (!meta.admitted) continue;
      const run = await this.store.getRun(meta.runId);
      if (run && !FINAL.has(run.status)) this.drive(run);
    }
    await this.pump();
  }

  async submit(input: SubmitInput): Promise<RunRecord> {
    return (await this.submitClaimed(input))!;
  }

  /** As submit, recording `claim` with the run (triggers/); undefined when another run holds it. */
  async submitClaimed(input: SubmitInput, claim?: RunClaim): Promise<RunRecord | undefined> {
    this.refuseWhenStopping();
    const file = input.file ?? 'pipeline.yml';
    const parsed = parsePipelineYaml(input.pipeline, file);
    if (!parsed.ok) {
      const problems = parsed.errors.map(formatIssue);
      throw new ApiError(
        400,
        'invalid-pipeline',
        `${file} is not a valid pipeline`,
        'fix the problems listed',
        problems,
      );
    }
    const top = input.registered ? { ...parsed.value, registered: input.registered } : parsed.value;
    const { pipeline, nested } = await withNestedFiles(
      this.p.home,
      top,
      input.pipeline,
      input.files,
      this.p.registered,
    );
    // Given secrets win; each pipeline's declared ones not given come from the store (nested ones too).
    const secrets: Record<string, string> = {};
    for (const p of [...nested, pipeline])
      Object.assign(secrets, withStoredSecrets(p, input.secrets ?? {}, this.p.stored));
    const missing = [...new Set([...nested, pipeline].flatMap((p) => p.secrets))].filter((n) => !(n in secrets));
    if (missing.length > 0)
      throw new ApiError(
        400,
        'missing-secrets',
        missingSecretsError([...nested, pipeline].find((p) => p.secrets.includes(missing[0]!)) ?? pipeline, missing)
          .message,
        'store them with PUT /v1/secrets/NAME (caravan secrets set NAME), or send them in "secrets"',
      );
    let run: RunRecord | undefined;
    try {
      run = await this.engine.createClaimedRun(
        {
          pipeline,
          source: input.pipeline,
          params: input.params ?? {},
          ...(input.executor ? { executor: input.executor } : {}),
          ...(input.event ? { event: input.event } : {}),
        },
        new Set(Object.keys(secrets)),
        claim,
      );
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      const problems = err.message.split('\n');
      throw new ApiError(400, 'invalid-run', 'the run cannot start', 'fix the problems listed', problems);
    }
    if (!run) return undefined;
    return this.enqueue(run, secrets, input.priority ?? parsed.value.priority, input.labels ?? {});
  }

  async rerun(runId: string, failedOnly: boolean, given: Record<string, string> = {}): Promise<RunRecord> {
    this.refuseWhenStopping();
    const before = await this.store.getRun(runId);
    const secrets = before ? withStoredSecrets(before.pipeline, given, this.p.stored) : given;
    let run: RunRecord;
    try {
      run = await rerun(this.engine, runId, { failedOnly, secretNames: new Set(Object.keys(secrets)) });
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      if (err.message.startsWith('no run')) throw notFound(`no run ${runId}`, 'list runs with GET /v1/runs');
      throw new ApiError(
        409,
        'cannot-rerun',
        err.message,
        'send the secrets the pipeline declares, or wait for the run to end',
      );
    }
    const old = this.p.server.meta(runId);
    return this.enqueue(run, secrets, old?.priority ?? run.pipeline.priority, old?.labels ?? {}, runId);
  }

  private async enqueue(
    run: RunRecord,
    secrets: Record<string, string>,
    priority: number,
    labels: Record<string, string>,
    rerunOf?: string,
  ): Promise<RunRecord> {
    this.p.secrets.keep(run.id, secrets);
    this.p.server.addRun({ runId: run.id, priority, labels, ...(rerunOf ? { rerunOf } : {}) });
    const group = groupOf(run);
    if (run.pipeline.concurrency?.cancelInProgress && group !== undefined) await this.cancelGroup(group, run.id);
    await this.pump();
    return run;
  }

  /** `cancelInProgress`: the group's run in progress and the ones waiting before `newcomer` are cancelled. */
  private async cancelGroup(group: string, newcomer: string): Promise<void> {
    const holder = this.groups.holder(group);
    if (holder !== undefined) await this.engine.cancel(holder);
    for (const { run } of await this.waiting())
      if (run.id !== newcomer && groupOf(run) === group) await this.cancel(run.id);
  }

  meta(runId: string): QueuedRunMeta | undefined {
    return this.p.server.meta(runId);
  }

  async cancel(runId: string): Promise<string> {
    const run = await this.store.getRun(runId);
    if (!run) throw notFound(`no run ${runId}`, 'list runs with GET /v1/runs');
    if (FINAL.has(run.status))
      throw new ApiError(409, 'run-ended', `run ${runId} has ended (${run.status})`, 'nothing to cancel');
    if (this.driving.has(runId)) {
      await this.engine.cancel(runId);
      return `cancel requested: run ${runId} is stopping`;
    }
    // Queued, never driven: nothing runs, so it is cancelled at once.
    const outcome = await cancelRun(this.store, runId);
    this.p.server.setAdmitted(runId);
    this.p.secrets.wipe(runId);
    return outcome.message;
  }

  async approve(runId: string, stepId: string, o: { reject?: boolean; comment?: string; by: string }): Promise<void> {
    const run = await this.store.getRun(runId);
    if (!run) throw notFound(`no run ${runId}`, 'list runs with GET /v1/runs');
    if (!run.pipeline.steps.some((s) => s.id === stepId))
      throw notFound(
        `run ${runId} has no step "${stepId}"`,
        `its steps: ${run.pipeline.steps.map((s) => s.id).join(', ')}`,
      );
    writeApproval(this.p.home, runId, stepId, o);
  }

  /** While the run or some of its steps wait: it takes its new place in the queue at once. */
  async setPriority(runId: string, priority: number): Promise<void> {
    const meta = this.p.server.meta(runId);
    const run = await this.store.getRun(runId);
    if (!meta || !run) throw notFound(`no run ${runId} in this server's queue`, 'list the queue with GET /v1/queue');
    if (FINAL.has(run.status))
      throw new ApiError(
        409,
        'run-ended',
        `run ${runId} has ended (${run.status})`,
        'a priority changes until a run ends',
      );
    this.p.server.setPriority(runId, priority);
  }

  async queue(): Promise<QueueEntry[]> {
    const running: QueueEntry[] = [];
    for (const id of this.driving.keys()) {
      const run = await this.store.getRun(id);
      const meta = this.p.server.meta(id);
      if (run && meta) running.push(runningEntry(run, meta, this.p.slots));
    }
    const queued = (await this.waiting()).map((w, position) =>
      queuedEntry(w, position, this.stopping ? 'the server is stopping' : undefined, this.driving.size, this.p.maxRuns),
    );
    return [...running, ...queued];
  }

  /** Queued runs not yet driven, in the order they will start (at most `limit`). */
  private async waiting(
    limit = Infinity,
    startable = false,
  ): Promise<Array<{ meta: QueuedRunMeta; run: RunRecord; heldBy?: string }>> {
    const out: Array<{ meta: QueuedRunMeta; run: RunRecord; heldBy?: string }> = [];
    for (const meta of queueOrder(this.p.server.waitingMetas())) {
      if (out.length >= limit) break;
      const run = await this.store.getRun(meta.runId);
      const heldBy = run && this.groups.holder(groupOf(run));
      if (run && run.status === 'queued' && !run.cancelRequested) {
        if (!(startable && heldBy)) out.push({ meta, run, ...(heldBy ? { heldBy } : {}) });
      }
      // A run cancelled or ended while it waited leaves the queue.
      else this.p.server.setAdmitted(meta.runId);
    }
    return out;
  }

  private pumping = false;

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopping && !this.paused && this.driving.size < this.p.maxRuns) {
        const next = (await this.waiting(1, true))[0];
        if (!next) break;
        this.p.server.setAdmitted(next.meta.runId);
        this.drive(next.run);
      }
    } finally {
      this.pumping = false;
    }
  }

  private drive(run: RunRecord): void {
    const runId = run.id;
    this.groups.hold(groupOf(run), runId);
    try {
      this.p.secrets.load(runId);
    } catch (err) {
      // The engine then refuses the run for its missing secrets, and says which.
      this.p.log?.(`run ${runId}: ${(err as Error).message}`);
    }
    const done = this.engine
      .execute(runId)
      .then(
        (status) => {
          if (FINAL.has(status)) this.p.secrets.wipe(runId);
        },
        (err: Error) => this.p.log?.(`run ${runId}: ${err.message}`),
      )
      .finally(() => {
        this.driving.delete(runId);
        this.groups.release(runId);
        if (!this.stopping) void this.pump();
      });
    this.driving.set(runId, done);
  }

  private refuseWhenStopping(): void {
    if (this.stopping)
      throw new ApiError(503, 'stopping', 'the server is stopping', 'send it again once the server is back');
  }

  /** Queued runs stay queued (submitting still works) until `resumeQueue`. */
  pauseQueue(): void {
    this.paused = true;
  }

  async resumeQueue(): Promise<void> {
    this.paused = false;
    await this.pump();
  }

  /** Takes no new work; the runs being driven are left as they are, to be taken over at the next start. */
  stop(): void {
    this.stopping = true;
  }

  /** Resolves when every run driven now has ended (tests, and a server asked to drain). */
  async idle(): Promise<void> {
    while (this.driving.size > 0) await Promise.all([...this.driving.values()]);
  }
}
