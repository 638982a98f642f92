/**
 * The engine as a service: accepts runs, keeps them in one queue (run-queue.ts) whose positions are
 * stored, drives up to `maxRuns` of them at once over the executors, and on start takes over the
 * runs it drove before (the engine's resume: finished steps never run again). A run's secrets are
 * kept sealed (secret-box.ts) until it ends, then wiped.
 */
import { formatIssue, parsePipelineYaml } from '@caravan/spec';
import { withNestedFiles } from '../nested/submitted-files.js';
import { writeApproval } from '../approvals.js';
import { cancelRun } from '../cancel-run.js';
import type { Engine } from '../engine.js';
import { EngineError } from '../run-creation.js';
import { rerun } from '../rerun.js';
import type { RunStatus } from '../status.js';
import type { EngineStore, RunRecord } from '../store/types.js';
import { ApiError, notFound } from './api-error.js';
import { queueOrder, waitReason } from './run-queue.js';
import type { StepSlots } from '../step-slots.js';
import type { SecretBox } from './secret-box.js';
import { missingSecretsError, withStoredSecrets, type StoredSecretSource } from '../secret-store/stored-secrets.js';
import type { QueuedRunMeta, ServerStore } from './server-store.js';

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
  /** The nested pipeline files, by their path relative to the top file's folder (as in `uses:`). */
  files?: Record<string, string>;
}

export interface QueueEntry {
  runId: string;
  pipelineName: string;
  state: 'queued' | 'running';
  priority: number;
  labels: Record<string, string>;
  /** 0-based place among the queued runs; absent for running ones. */
  position?: number;
  reason?: string;
}

const FINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

export interface ServiceParts {
  engine: Engine;
  server: ServerStore;
  box: SecretBox;
  /** The executor slots all runs share. */
  slots: StepSlots;
  home: string;
  /** Most runs driven at once. */
  maxRuns: number;
  /** Stored secrets: they fill the declared secrets a run is not given. */
  stored?: StoredSecretSource;
  log?: (line: string) => void;
}

export class EngineService {
  private readonly driving = new Map<string, Promise<void>>();
  private readonly secrets = new Map<string, Record<string, string>>();
  private stopping = false;

  constructor(private readonly p: ServiceParts) {}

  get engine(): Engine {
    return this.p.engine;
  }

  get store(): EngineStore {
    return this.p.engine.store;
  }

  get maxRuns(): number {
    return this.p.maxRuns;
  }

  /** The secrets of a run driven here (the engine asks through `runSecrets`). */
  secretsOf(runId: string): Record<string, string> | undefined {
    return this.secrets.get(runId);
  }

  /** Takes over the runs this service drove or queued before it stopped, in queue order. */
  async start(): Promise<void> {
    for (const meta of this.p.server.metas()) {
      if (!meta.admitted) continue;
      const run = await this.store.getRun(meta.runId);
      if (run && !FINAL.has(run.status)) this.drive(meta.runId);
    }
    await this.pump();
  }

  async submit(input: SubmitInput): Promise<RunRecord> {
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
    const { pipeline, nested } = await withNestedFiles(this.p.home, parsed.value, input.pipeline, input.files);
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
    let run: RunRecord;
    try {
      run = await this.engine.createRun(
        {
          pipeline,
          source: input.pipeline,
          params: input.params ?? {},
          ...(input.executor ? { executor: input.executor } : {}),
        },
        new Set(Object.keys(secrets)),
      );
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      const problems = err.message.split('\n');
      throw new ApiError(400, 'invalid-run', 'the run cannot start', 'fix the problems listed', problems);
    }
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
    if (Object.keys(secrets).length > 0) {
      this.p.server.putSecrets(run.id, this.p.box.seal(secrets));
      this.secrets.set(run.id, secrets);
      this.engine.addMaskedValues(Object.values(secrets));
    }
    this.p.server.addRun({ runId: run.id, priority, labels, ...(rerunOf ? { rerunOf } : {}) });
    await this.pump();
    return run;
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
    this.wipe(runId);
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

  async setPriority(runId: string, priority: number): Promise<void> {
    const meta = this.p.server.meta(runId);
    if (!meta) throw notFound(`no run ${runId} in this server's queue`, 'list the queue with GET /v1/queue');
    if (meta.admitted)
      throw new ApiError(
        409,
        'not-queued',
        `run ${runId} has left the queue`,
        'the priority changes only while a run is queued',
      );
    this.p.server.setPriority(runId, priority);
  }

  async queue(): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    const waiting = await this.waiting();
    for (const id of this.driving.keys()) {
      const run = await this.store.getRun(id);
      const meta = this.p.server.meta(id);
      if (run && meta)
        out.push({
          runId: id,
          pipelineName: run.pipelineName,
          state: 'running',
          priority: meta.priority,
          labels: meta.labels,
        });
    }
    for (const [position, { meta, run }] of waiting.entries()) {
      out.push({
        runId: meta.runId,
        pipelineName: run.pipelineName,
        state: 'queued',
        priority: meta.priority,
        labels: meta.labels,
        position,
        reason: this.stopping ? 'the server is stopping' : waitReason(position, this.driving.size, this.p.maxRuns),
      });
    }
    return out;
  }

  /** Queued runs not yet driven, in the order they will start. */
  private async waiting(): Promise<Array<{ meta: QueuedRunMeta; run: RunRecord }>> {
    const out: Array<{ meta: QueuedRunMeta; run: RunRecord }> = [];
    for (const meta of queueOrder(this.p.server.waitingMetas())) {
      const run = await this.store.getRun(meta.runId);
      if (run && run.status === 'queued' && !run.cancelRequested) out.push({ meta, run });
    }
    return out;
  }

  private pumping = false;

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopping && this.driving.size < this.p.maxRuns) {
        const next = (await this.waiting())[0];
        if (!next) break;
        this.p.server.setAdmitted(next.meta.runId);
        this.drive(next.meta.runId);
      }
    } finally {
      this.pumping = false;
    }
  }

  private drive(runId: string): void {
    const sealed = this.p.server.sealedSecrets(runId);
    if (sealed && !this.secrets.has(runId)) {
      const secrets = this.p.box.open(sealed);
      this.secrets.set(runId, secrets);
      this.engine.addMaskedValues(Object.values(secrets));
    }
    const done = this.engine
      .execute(runId)
      .then(
        (status) => {
          if (FINAL.has(status)) this.wipe(runId);
        },
        (err: Error) => this.p.log?.(`run ${runId}: ${err.message}`),
      )
      .finally(() => {
        this.driving.delete(runId);
        if (!this.stopping) void this.pump();
      });
    this.driving.set(runId, done);
  }

  private wipe(runId: string): void {
    this.p.server.wipeSecrets(runId);
    this.secrets.delete(runId);
  }

  private refuseWhenStopping(): void {
    if (this.stopping)
      throw new ApiError(503, 'stopping', 'the server is stopping', 'send it again once the server is back');
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
