/**
 * The service's side of the queue: the runs it drives now (their entries, read by the slots at
 * each decision), the owned runs still waiting in the order they will start (read from the store
 * a page at a time, so whoever stops early reads no more), the `GET /v1/queue` view, the driven
 * runs' priorities kept as stored, and failing a run that cannot start.
 */
import { RunRecorder } from '../run-recorder.js';
import type { RunStatus } from '../status.js';
import type { StepSlots } from '../step-slots.js';
import type { EngineStore, QueueEntryRecord, QueuePlace, RunRecord } from '../store/types.js';
import { groupOf, type GroupHolders } from './concurrency-groups.js';
import { encodeQueueCursor, queuedEntry, runningEntry, type QueueCursor, type QueueEntry } from './queue-view.js';
import type { Clock } from '../clock.js';
import { textMasker } from '../masking.js';

// An 'error' run is taken over again at a start (the engine resumes it), as before.
export const FINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

/** The most entries one read of the queue takes. */
export const MAX_QUEUE_PAGE = 100;

export interface WaitingRun {
  entry: QueueEntryRecord;
  run: RunRecord;
  heldBy?: string;
}

export class ServiceQueue {
  /** The runs driven now, with their entries (a priority change updates it here too). */
  readonly driven = new Map<string, QueueEntryRecord>();

  constructor(
    private readonly store: EngineStore,
    private readonly owner: string,
    private readonly slots: StepSlots,
    private readonly groups: GroupHolders,
    private readonly maxRuns: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Owned runs not yet driven, in the order they will start, after `after`: read `pageSize()`
   * entries at a time (asked again before each read). The group holding a run is looked up as the
   * run is given out, so runs driven meanwhile count. A run cancelled or ended while it waited
   * leaves the queue.
   */
  async *waitingRuns(pageSize: () => number, after?: QueuePlace): AsyncGenerator<WaitingRun> {
    for (;;) {
      const limit = Math.min(MAX_QUEUE_PAGE, Math.max(1, pageSize()));
      const page = await this.store.waitingRuns(this.owner, limit, after);
      for (const { run, queue: entry } of page) {
        if (run.status === 'queued' && !run.cancelRequested) {
          const heldBy = this.groups.holder(groupOf(run));
          yield { entry, run, ...(heldBy ? { heldBy } : {}) };
        } else await this.store.updateQueueEntry(run.id, { admitted: true });
      }
      if (page.length < limit) return;
      after = page.at(-1)!.queue;
    }
  }

  /** The run of `group` driven or waiting here, if any (the first in queue order). */
  async runOfGroup(group: string): Promise<string | undefined> {
    const holder = this.groups.holder(group);
    if (holder !== undefined) return holder;
    for await (const { run } of this.waitingRuns(() => MAX_QUEUE_PAGE)) if (groupOf(run) === group) return run.id;
    return undefined;
  }

  /** The runs driven now (first page only), then at most `limit` queued runs from `cursor`, and the next cursor. */
  async view(stopping: boolean, limit: number, cursor?: QueueCursor): Promise<{ runs: QueueEntry[]; next?: string }> {
    const running: QueueEntry[] = [];
    if (!cursor)
      for (const [id, entry] of this.driven) {
        const run = await this.store.getRun(id);
        if (run) running.push(runningEntry(run, entry, this.slots));
      }
    const queued: QueueEntry[] = [];
    let position = cursor?.position ?? 0;
    let last: QueueEntryRecord | undefined;
    for await (const w of this.waitingRuns(() => limit + 1 - queued.length, cursor)) {
      if (queued.length >= limit) return { runs: [...running, ...queued], next: encodeQueueCursor(last!, position) };
      const why = stopping ? 'the server is stopping' : undefined;
      queued.push(queuedEntry(w, position++, why, this.driven.size, this.maxRuns));
      last = w.entry;
    }
    return { runs: [...running, ...queued] };
  }

  /**
   * The driven runs' priorities as stored: a PATCH may reach another server sharing the store,
   * which updates the entry there and not here. One query, for the runs driven here.
   */
  async reloadPriorities(): Promise<void> {
    if (this.driven.size === 0) return;
    for (const stored of await this.store.admittedUnfinished(this.owner)) {
      const driven = this.driven.get(stored.runId);
      if (driven) driven.priority = stored.priority;
    }
  }

  private watch: (() => void) | undefined;
  private unwatched = false;

  /** Steps wait for a slot: reloads the driven runs' priorities every `everyMs` until none wait. */
  watchPriorities(everyMs: number): void {
    if (this.watch || this.unwatched) return;
    this.watch = this.clock.setTimer(everyMs, () => {
      void this.reloadPriorities()
        .catch(() => undefined)
        .finally(() => {
          this.watch = undefined;
          if (this.slots.waiting().length > 0) this.watchPriorities(everyMs);
        });
    });
  }

  /** For good (the service stops). */
  unwatchPriorities(): void {
    this.unwatched = true;
    this.watch?.();
    this.watch = undefined;
  }

  /** Ends a run that cannot start (its secrets are lost), saying why. */
  async fail(run: RunRecord, error: string): Promise<void> {
    const deps = { store: this.store, clock: this.clock, masker: textMasker([]), emit: () => undefined };
    await this.store.updateRun(run.id, { error });
    await new RunRecorder(deps, run.id, await this.store.getSteps(run.id)).runEnded('failed', { error });
  }
}
