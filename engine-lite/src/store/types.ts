/**
 * The engine's one storage interface, with two implementations: SQLite (embedded default, under
 * `$CARAVAN_HOME/engine.db`) and PostgreSQL (`CARAVAN_DATABASE_URL`). The engine writes every
 * state change here before acting on it, so a crashed engine can be resumed from the store alone.
 * Secrets are never stored: runs keep secret names only, outputs and errors arrive masked.
 */
import type { Pipeline } from '@caravan/spec';
import type { RunStatus, StepStatus } from '../status.js';
import type { RunClaim } from './run-claims.js';
import type { NewQueueEntry, RunListStore, RunQueueStore } from './run-queue-types.js';

export type { RunClaim };
export type {
  NewQueueEntry,
  QueueEntryPatch,
  QueueEntryRecord,
  QueuePlace,
  RunListFilter,
  WaitingEntry,
} from './run-queue-types.js';

export interface ResolvedAction {
  /** `scope/name`. */
  name: string;
  /** The range written in the pipeline. */
  range: string;
  /** The exact version chosen. */
  version: string;
  /** `sha512-<base64>`; see docs/engine.md for how built-ins are hashed. */
  integrity: string;
  /** `builtin` (embedded in marketplace/actions) or `registry` (fetched through the registry client). */
  source: 'builtin' | 'registry';
}

export interface RunRecord {
  id: string;
  pipelineName: string;
  /** Path of the pipeline file as given. */
  file: string;
  /** The pipeline file's text, so that a resume or rerun does not depend on the file still existing. */
  source: string;
  /** The parsed pipeline as the run started it: resume uses this, not the file. */
  pipeline: Pipeline;
  params: Record<string, unknown>;
  /** Resolved action per step id. */
  actions: Record<string, ResolvedAction>;
  secretNames: string[];
  executor: string;
  concurrency: number;
  status: RunStatus;
  cancelRequested: boolean;
  /** pid of the engine process driving the run, while it runs. */
  enginePid?: number;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  error?: string;
  /** The payload of the webhook delivery that started the run, read as `${{ event.* }}`. */
  event?: Record<string, unknown>;
}

/** What a new run takes over from an earlier one (a failed-only rerun), stored in the run's own transaction. */
export interface CarriedRecords {
  files: FileRecord[];
  events: EventRecord[];
}

export interface StepRecord {
  runId: string;
  stepId: string;
  status: StepStatus;
  /** 1-based attempt number; 0 before the first start. */
  attempt: number;
  /** `${runId}.${stepId}.${attempt}` of the current or last attempt. */
  taskId?: string;
  executor?: string;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number;
  /** Masked. */
  error?: string;
  /** Masked, as reported by the agent and masked again by the engine. */
  outputs: Record<string, string>;
  /** When a retry of an unsuccessful attempt is due (ms since epoch); unset when none is planned. */
  retryAt?: number;
  /** File order. */
  order: number;
}

export type StepPatch = Partial<Omit<StepRecord, 'runId' | 'stepId' | 'order'>>;
export type RunPatch = Partial<
  Pick<RunRecord, 'status' | 'cancelRequested' | 'enginePid' | 'startedAt' | 'endedAt' | 'error'>
>;

export interface StoredLogEntry {
  stepId: string;
  taskId: string;
  seq: number;
  stream: 'stdout' | 'stderr' | 'agent';
  text: string;
  ts: number;
}

/** A step's line count and its last lines, in its own order. */
export interface StepLogTail {
  total: number;
  tail: StoredLogEntry[];
}

/** A log line with its position: lines of a step are stored in increasing positions. */
export interface PositionedLogEntry extends StoredLogEntry {
  pos: number;
}

export interface FileRecord {
  runId: string;
  stepId: string;
  name: string;
  /** sha256 hex of the stored tar: the blob's address under `$CARAVAN_HOME/blobs`. */
  sha256: string;
  size: number;
}

export interface EventRecord {
  /** Assigned by the store, in the order events were written; absent on a record being added. */
  id?: number;
  runId: string;
  stepId?: string;
  type: string;
  data: Record<string, unknown>;
  ts: number;
}

export interface EngineStore extends RunQueueStore, RunListStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Stores a new run. With a claim (a schedule tick, a webhook delivery) the claim is recorded in
   * the same transaction, and nothing is stored (false) when another run holds it already. With a
   * queue entry (a server's run), the entry is stored in that transaction too.
   */
  createRun(
    run: RunRecord,
    steps: StepRecord[],
    claim?: RunClaim,
    queue?: NewQueueEntry,
    carried?: CarriedRecords,
  ): Promise<boolean>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(limit: number): Promise<RunRecord[]>;
  updateRun(id: string, patch: RunPatch): Promise<void>;
  /** Cheap check polled by a running engine (`caravan cancel` from another process sets it). */
  isCancelRequested(runId: string): Promise<boolean>;
  getSteps(runId: string): Promise<StepRecord[]>;
  updateStep(runId: string, stepId: string, patch: StepPatch): Promise<void>;
  /** Stores one log batch; returns false (and stores nothing) when this task already sent `seq`. */
  appendLogs(
    runId: string,
    stepId: string,
    taskId: string,
    seq: number,
    entries: Omit<StoredLogEntry, 'stepId' | 'taskId' | 'seq'>[],
  ): Promise<boolean>;
  getLogs(runId: string, stepId?: string): Promise<StoredLogEntry[]>;
  /** The step's lines stored after position `after` (0: from the first), at most `limit`, in order. */
  getLogsAfter(runId: string, stepId: string, after: number, limit: number): Promise<PositionedLogEntry[]>;
  /** How many lines the step has, and its last `limit` lines in its own order (a page's tail: nothing more is read). */
  getLogTail(runId: string, stepId: string, limit: number): Promise<StepLogTail>;
  /**
   * getLogTail for every step of the run at once, in one query (a run page). Steps without lines
   * are absent; `limit` is at least 1.
   */
  getRunLogTails(runId: string, limit: number): Promise<Map<string, StepLogTail>>;
  /** The position of the step's `count`-th line (0 when count is 0, the last line's when it has fewer). */
  logPosition(runId: string, stepId: string, count: number): Promise<number>;
  putFile(file: FileRecord): Promise<void>;
  getFiles(runId: string): Promise<FileRecord[]>;
  addEvent(event: EventRecord): Promise<void>;
  getEvents(runId: string): Promise<EventRecord[]>;
  close(): Promise<void>;
}

export class StoreError extends Error {}
