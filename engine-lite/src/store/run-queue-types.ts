/**
 * A server's queue entry for a run, kept in the engine store and written in the transaction that
 * stores the run, so no crash leaves a run without its place in the queue. Runs without one (a
 * nested child run, a run of `caravan run`) are never taken by a server; a server takes only the
 * entries it owns.
 */
import type { RunRecord } from './types.js';

export interface QueueEntryRecord {
  runId: string;
  /** The server that queued the run and drives it (its identity, kept in its server.db). */
  owner: string;
  priority: number;
  /** Arrival order: FIFO within a priority. */
  seq: number;
  labels: Record<string, string>;
  rerunOf?: string;
  /** Taken off the queue and driven (it keeps its slot across a restart), or cancelled while it waited. */
  admitted: boolean;
}

export type NewQueueEntry = Omit<QueueEntryRecord, 'runId' | 'seq' | 'admitted'>;

export interface QueueEntryPatch {
  priority?: number;
  admitted?: true;
}

/** An entry's place in the queue order: a page of waiting entries starts after one. */
export type QueuePlace = Pick<QueueEntryRecord, 'priority' | 'seq'>;

/** A waiting entry with its run. */
export interface WaitingEntry {
  run: RunRecord;
  queue: QueueEntryRecord;
}

export interface RunQueueStore {
  queueEntry(runId: string): Promise<QueueEntryRecord | undefined>;
  /**
   * The owner's entries still waiting, each with its run, in queue order (higher priority first,
   * then arrival): at most `limit`, those after `after` (the last of the previous page).
   */
  waitingRuns(owner: string, limit: number, after?: QueuePlace): Promise<WaitingEntry[]>;
  /** The owner's entries taken off the queue whose run has not ended: what a restart takes over. */
  admittedUnfinished(owner: string): Promise<QueueEntryRecord[]>;
  updateQueueEntry(runId: string, patch: QueueEntryPatch): Promise<void>;
  /** Stores the entry an older server kept in its server.db, unless the run has one; arrival order is call order. */
  adoptQueueEntry(runId: string, entry: NewQueueEntry, admitted: boolean): Promise<void>;
}

/** A page of runs, newest first (by id, which sorts by creation time). */
export interface RunListFilter {
  status?: string;
  pipeline?: string;
  /** A queue entry label that must be present with this value. */
  label?: { key: string; value: string };
  /** Only runs whose id sorts before this one (the last id of the previous page). */
  before?: string;
  limit: number;
}

export interface RunListStore {
  /** Each run with its queue entry, when it has one. */
  listRunPage(f: RunListFilter): Promise<Array<{ run: RunRecord; queue?: QueueEntryRecord }>>;
  countRunsByStatus(): Promise<Record<string, number>>;
  /** The owner's runs still waiting to be driven. */
  queueDepth(owner: string): Promise<number>;
}
