/**
 * The engine as a service: accepts runs, keeps them in one queue whose entries are stored with the
 * runs (store/run-queue-types.ts), drives up to `maxRuns` of them at once over the executors, and
 * on start takes over the runs it owns (the engine's resume: finished steps never run again). A
 * run's secrets are kept sealed (run-secrets.ts) until it ends, then wiped.
 */
import type { Pipeline, RegisteredPipelineLookup } from '@caravan/spec';
import { cancelRun } from '../cancel-run.js';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine.js';
import { newRunId } from '../ids.js';
import { rerun } from '../rerun.js';
import type { StepSlots } from '../step-slots.js';
import type { StoredSecretSource } from '../secret-store/stored-secrets.js';
import { scopeKey } from '../secret-store/scoped-secrets.js';
import type { EngineStore, QueueEntryRecord, RunClaim, RunRecord } from '../store/types.js';
import { ApiError, notFound } from './api-error.js';
import { GroupHolders, groupOf } from './concurrency-groups.js';
import { checkSubmission, rerunRefused, rerunSecrets, runRefused, type SubmitInput } from './run-intake.js';
import { approveStep, checkPriorityChange } from './run-controls.js';
import type { RunSecrets } from './run-secrets.js';
import { ServiceQueue, FINAL, MAX_QUEUE_PAGE } from './service-queue.js';
import type { QueueCursor, QueueEntry } from './queue-view.js';
import { QueuePump } from './queue-pump.js';

export type { QueueEntry } from './queue-view.js';
export type { SubmitInput } from './run-intake.js';

export interface ServiceParts {
  engine: Engine;
  secrets: RunSecrets;
  /** This server's identity: the owner of the queue entries it writes, and the only ones it takes. */
  owner: string;
  /** The executor slots all runs share. */
  slots: StepSlots;
  /** Run ids sort by it (ids.ts), as the engine's own do. */
  clock: Clock;
  home: string;
  /** Most runs driven at once. */
  maxRuns: number;
  /** Stored secrets: they fill the declared secrets a registered pipeline's run is not given. */
  stored?: StoredSecretSource;
  /** How often the priorities of driven runs are reloaded while their steps wait for a slot (default 1 s). */
  priorityPollMs?: number;
  /** Registered pipelines, for nested steps that name one (`uses: deploy`). */
  registered?: RegisteredPipelineLookup;
  log?: (line: string) => void;
}

export class EngineService {
  private readonly driving = new Map<string, Promise<void>>();
  private readonly q: ServiceQueue;
  private readonly groups = new GroupHolders();
  private readonly pumper: QueuePump;

  constructor(private readonly p: ServiceParts) {
    this.q = new ServiceQueue(p.engine.store, p.owner, p.slots, this.groups, p.maxRuns, p.clock);
    this.pumper = new QueuePump(
      this.q,
      () => p.maxRuns - this.driving.size,
      async ({ run, entry }) => {
        await this.store.updateQueueEntry(run.id, { admitted: true });
        await this.drive(run, { ...entry, admitted: true });
      },
    );
  }

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

  /** The secrets of `pipeline` (the run's or a nested one's) in a run driven here (asked through `runSecrets`). */
  secretsOf(runId: string, pipeline: Pick<Pipeline, 'registered'>): Record<string, string> | undefined {
    return this.p.secrets.of(runId, pipeline);
  }

  /** Where a run driven here stands in the queue (the slots ask at each decision). */
  orderOf(runId: string): QueueEntryRecord | undefined {
    return this.q.driven.get(runId);
  }

  /** A step of a driven run waits for a slot (the slots say): its priority may be changed elsewhere meanwhile. */
  stepWaits(): void {
    this.q.watchPriorities(this.p.priorityPollMs ?? 1000);
  }

  /** Takes over the runs this service drove or queued before it stopped, in queue order. */
  async start(): Promise<void> {
    await this.p.secrets.dropOrphans(async (id) => (await this.store.getRun(id)) !== undefined);
    for (const entry of await this.store.admittedUnfinished(this.p.owner)) {
      const run = await this.store.getRun(entry.runId);
      if (run) await this.drive(run, entry);
    }
    await this.pump();
  }

  async submit(input: SubmitInput): Promise<RunRecord> {
    return (await this.submitClaimed(input))!;
  }

  /** As submit, recording `claim` with the run (triggers/); undefined when another run holds it. */
  async submitClaimed(input: SubmitInput, claim?: RunClaim): Promise<RunRecord | undefined> {
    this.refuseWhenStopping();
    const { pipeline, secrets, priority } = await checkSubmission(this.p.home, input, this.p.stored, this.p.registered);
    // Sealed before the run is stored, so a stored run always finds them; a crash in between leaves
    // sealed secrets without a run, which the next start drops.
    const id = newRunId(this.p.clock.now());
    this.p.secrets.keep(id, secrets);
    let run: RunRecord | undefined;
    try {
      run = await this.engine.createClaimedRun(
        {
          id,
          pipeline,
          source: input.pipeline,
          params: input.params ?? {},
          ...(input.executor ? { executor: input.executor } : {}),
          ...(input.event ? { event: input.event } : {}),
        },
        new Set(Object.keys(secrets[scopeKey(pipeline)] ?? {})),
        claim,
        { owner: this.p.owner, priority, labels: input.labels ?? {} },
      );
    } catch (err) {
      await this.wipeUnlessStored(id);
      throw runRefused(err);
    }
    if (!run) {
      this.p.secrets.wipe(id);
      return undefined;
    }
    return this.queued(run);
  }

  async rerun(runId: string, failedOnly: boolean, given: Record<string, string> = {}): Promise<RunRecord> {
    this.refuseWhenStopping();
    const before = await this.store.getRun(runId);
    const secrets = before ? await rerunSecrets(before, given, this.p.stored, this.p.registered) : {};
    const old = await this.store.queueEntry(runId);
    const id = newRunId(this.p.clock.now());
    this.p.secrets.keep(id, secrets);
    let run: RunRecord;
    try {
      run = await rerun(this.engine, runId, {
        id,
        failedOnly,
        secretNames: new Set(Object.keys(before ? (secrets[scopeKey(before.pipeline)] ?? {}) : {})),
        queue: {
          owner: this.p.owner,
          priority: old?.priority ?? before?.pipeline.priority ?? 0,
          labels: old?.labels ?? {},
          rerunOf: runId,
        },
      });
    } catch (err) {
      await this.wipeUnlessStored(id);
      throw rerunRefused(err, runId);
    }
    return this.queued(run);
  }

  /** A failed write may still have stored the run (the error came after the commit): then it keeps its secrets. */
  private async wipeUnlessStored(runId: string): Promise<void> {
    if (!(await this.store.getRun(runId).catch(() => undefined))) this.p.secrets.wipe(runId);
  }

  private async queued(run: RunRecord): Promise<RunRecord> {
    const group = groupOf(run);
    if (run.pipeline.concurrency?.cancelInProgress && group !== undefined) await this.cancelGroup(group, run.id);
    await this.pump();
    return run;
  }

  /** `cancelInProgress`: the group's run in progress and the ones waiting before `newcomer` are cancelled. */
  private async cancelGroup(group: string, newcomer: string): Promise<void> {
    const holder = this.groups.holder(group);
    if (holder !== undefined) await this.engine.cancel(holder);
    for await (const { run } of this.q.waitingRuns(() => MAX_QUEUE_PAGE))
      if (run.id !== newcomer && groupOf(run) === group) await this.cancel(run.id);
  }

  /** The run's queue entry (any server's), for views. */
  async entry(runId: string): Promise<QueueEntryRecord | undefined> {
    return this.store.queueEntry(runId);
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
    await this.store.updateQueueEntry(runId, { admitted: true });
    this.p.secrets.wipe(runId);
    return outcome.message;
  }

  async approve(runId: string, stepId: string, o: { reject?: boolean; comment?: string; by: string }): Promise<void> {
    await approveStep(this.store, this.p.home, runId, stepId, o);
  }

  /** While the run or some of its steps wait: it takes its new place in the queue at once. */
  async setPriority(runId: string, priority: number): Promise<void> {
    await checkPriorityChange(this.store, runId);
    await this.store.updateQueueEntry(runId, { priority });
    const driven = this.q.driven.get(runId);
    if (driven) driven.priority = priority;
  }

  /** This server's runs waiting to be driven (one count in the store). */
  async queueDepth(): Promise<number> {
    return this.store.queueDepth(this.p.owner);
  }

  /** Every run driven or queued here: for a few, see queuePage. */
  async queue(): Promise<QueueEntry[]> {
    return (await this.q.view(this.pumper.stopping, Infinity)).runs;
  }

  /** `GET /v1/queue`: the runs driven now (first page), then at most `limit` queued from `cursor`. */
  async queuePage(limit: number, cursor?: QueueCursor): Promise<{ runs: QueueEntry[]; next?: string }> {
    return this.q.view(this.pumper.stopping, limit, cursor);
  }

  /** The run of `group` driven or queued here, if any. */
  async runOfGroup(group: string): Promise<string | undefined> {
    return this.q.runOfGroup(group);
  }

  private pump(): Promise<void> {
    return this.pumper.pump();
  }

  private async drive(run: RunRecord, entry: QueueEntryRecord): Promise<void> {
    const runId = run.id;
    const lost = this.p.secrets.loadFor(run);
    if (lost) {
      this.p.log?.(`run ${runId}: ${lost}`);
      await this.q.fail(run, lost);
      this.p.secrets.wipe(runId);
      return;
    }
    this.groups.hold(groupOf(run), runId);
    this.q.driven.set(runId, entry);
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
        this.q.driven.delete(runId);
        this.groups.release(runId);
        if (!this.pumper.stopping) void this.pump();
      });
    this.driving.set(runId, done);
  }

  private refuseWhenStopping(): void {
    if (this.pumper.stopping)
      throw new ApiError(503, 'stopping', 'the server is stopping', 'send it again once the server is back');
  }

  /** Queued runs stay queued (submitting still works) until `resumeQueue`. */
  pauseQueue(): void {
    this.pumper.paused = true;
  }

  async resumeQueue(): Promise<void> {
    this.pumper.paused = false;
    await this.pump();
  }

  /** Takes no new work; the runs being driven are left as they are, to be taken over at the next start. */
  stop(): void {
    this.pumper.stopping = true;
    this.q.unwatchPriorities();
  }

  /** Resolves when every run driven now has ended (tests, and a server asked to drain). */
  async idle(): Promise<void> {
    while (this.driving.size > 0) await Promise.all([...this.driving.values()]);
  }
}
