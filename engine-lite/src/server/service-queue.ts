/**
 * The service's side of the queue: the runs it drives now (their entries, read by the slots at
 * each decision), the owned runs still waiting in the order they will start, the `GET /v1/queue`
 * view, and failing a run that cannot start.
 */
import { RunRecorder } from '../run-recorder.js';
import type { RunStatus } from '../status.js';
import type { StepSlots } from '../step-slots.js';
import type { EngineStore, QueueEntryRecord, RunRecord } from '../store/types.js';
import { groupOf, type GroupHolders } from './concurrency-groups.js';
import { queuedEntry, runningEntry, type QueueEntry } from './queue-view.js';
import type { Clock } from '../clock.js';
import { textMasker } from '../masking.js';

// An 'error' run is taken over again at a start (the engine resumes it), as before.
export const FINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

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

  /** Owned runs not yet driven, in the order they will start (at most `limit`; `startable`: not held by a group). */
  async waiting(limit = Infinity, startable = false): Promise<WaitingRun[]> {
    const out: WaitingRun[] = [];
    for (const entry of await this.store.waitingEntries(this.owner)) {
      if (out.length >= limit) break;
      const run = await this.store.getRun(entry.runId);
      const heldBy = run && this.groups.holder(groupOf(run));
      if (run && run.status === 'queued' && !run.cancelRequested) {
        if (!(startable && heldBy)) out.push({ entry, run, ...(heldBy ? { heldBy } : {}) });
      }
      // A run cancelled or ended while it waited leaves the queue.
      else await this.store.updateQueueEntry(entry.runId, { admitted: true });
    }
    return out;
  }

  async view(stopping: boolean): Promise<QueueEntry[]> {
    const running: QueueEntry[] = [];
    for (const [id, entry] of this.driven) {
      const run = await this.store.getRun(id);
      if (run) running.push(runningEntry(run, entry, this.slots));
    }
    const queued = (await this.waiting()).map((w, position) =>
      queuedEntry(w, position, stopping ? 'the server is stopping' : undefined, this.driven.size, this.maxRuns),
    );
    return [...running, ...queued];
  }

  /** Ends a run that cannot start (its secrets are lost), saying why. */
  async fail(run: RunRecord, error: string): Promise<void> {
    const deps = { store: this.store, clock: this.clock, masker: textMasker([]), emit: () => undefined };
    await this.store.updateRun(run.id, { error });
    await new RunRecorder(deps, run.id, await this.store.getSteps(run.id)).runEnded('failed', { error });
  }
}
