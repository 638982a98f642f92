/** An EngineStore in memory, for unit tests: it notes every write, in order, in `journal`. */
import type {
  CarriedRecords,
  EngineStore,
  EventRecord,
  FileRecord,
  PositionedLogEntry,
  QueueEntryRecord,
  RunListFilter,
  RunPatch,
  RunRecord,
  StepPatch,
  StepRecord,
  StoredLogEntry,
  WaitingEntry,
} from '../../src/store/types.js';

export class MemoryStore implements EngineStore {
  readonly kind = 'sqlite' as const;
  readonly runs = new Map<string, RunRecord>();
  readonly steps = new Map<string, StepRecord[]>();
  readonly events: EventRecord[] = [];
  readonly logs: StoredLogEntry[] = [];
  readonly files: FileRecord[] = [];
  private readonly batches = new Set<string>();

  /** Every write as it happened: `updateStep a status=running`, `addEvent a step.running`, … */
  constructor(readonly journal: string[] = []) {}

  async createRun(
    run: RunRecord,
    steps: StepRecord[],
    _claim?: unknown,
    _queue?: unknown,
    carried?: CarriedRecords,
  ): Promise<boolean> {
    this.journal.push(`createRun ${run.id}`);
    this.runs.set(run.id, structuredClone(run));
    this.steps.set(run.id, structuredClone(steps));
    this.files.push(...structuredClone(carried?.files ?? []));
    this.events.push(...structuredClone(carried?.events ?? []));
    return true;
  }

  // No server queues runs here: the queue's methods find nothing.
  async queueEntry(): Promise<QueueEntryRecord | undefined> {
    return undefined;
  }

  async waitingRuns(): Promise<WaitingEntry[]> {
    return [];
  }

  async admittedUnfinished(): Promise<QueueEntryRecord[]> {
    return [];
  }

  async updateQueueEntry(): Promise<void> {}

  async adoptQueueEntry(): Promise<void> {}

  async listRunPage(f: RunListFilter): Promise<Array<{ run: RunRecord }>> {
    return [...this.runs.values()]
      .filter((r) => (f.before === undefined || r.id < f.before) && (f.status === undefined || r.status === f.status))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, f.limit)
      .map((run) => ({ run: structuredClone(run) }));
  }

  async getRunLogTails(runId: string, limit: number): Promise<Map<string, { total: number; tail: StoredLogEntry[] }>> {
    const out = new Map<string, { total: number; tail: StoredLogEntry[] }>();
    for (const stepId of new Set(this.logs.map((l) => l.stepId)))
      out.set(stepId, await this.getLogTail(runId, stepId, limit));
    return out;
  }

  // As getLogs, one run's lines only.
  async getLogTail(_runId: string, stepId: string, limit: number): Promise<{ total: number; tail: StoredLogEntry[] }> {
    const lines = this.logs.filter((l) => l.stepId === stepId);
    return { total: lines.length, tail: lines.slice(Math.max(0, lines.length - limit)) };
  }

  async getLogsAfter(_runId: string, stepId: string, after: number, limit: number): Promise<PositionedLogEntry[]> {
    return this.logs
      .map((l, i) => ({ ...l, pos: i + 1 }))
      .filter((l) => l.pos > after && l.stepId === stepId)
      .slice(0, limit);
  }

  async logPosition(runId: string, stepId: string, count: number): Promise<number> {
    return count <= 0 ? 0 : ((await this.getLogsAfter(runId, stepId, 0, count)).at(-1)?.pos ?? 0);
  }

  async countRunsByStatus(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.runs.values()) out[r.status] = (out[r.status] ?? 0) + 1;
    return out;
  }

  async queueDepth(): Promise<number> {
    return 0;
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(id);
    return run && structuredClone(run);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return [...this.runs.values()]
      .reverse()
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    this.journal.push(`updateRun ${Object.keys(patch).join(',')}`);
    Object.assign(this.runs.get(id)!, patch);
  }

  async isCancelRequested(runId: string): Promise<boolean> {
    return this.runs.get(runId)?.cancelRequested ?? false;
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    return structuredClone(this.steps.get(runId) ?? []);
  }

  async updateStep(runId: string, stepId: string, patch: StepPatch): Promise<void> {
    this.journal.push(`updateStep ${stepId}${patch.status ? ` ${patch.status}` : ''}`);
    const step = this.steps.get(runId)?.find((s) => s.stepId === stepId);
    if (!step) throw new Error(`no step ${stepId}`);
    Object.assign(step, structuredClone(patch));
  }

  async appendLogs(
    runId: string,
    stepId: string,
    taskId: string,
    seq: number,
    entries: Omit<StoredLogEntry, 'stepId' | 'taskId' | 'seq'>[],
  ): Promise<boolean> {
    if (this.batches.has(`${taskId}/${seq}`)) return false;
    this.batches.add(`${taskId}/${seq}`);
    this.journal.push(`appendLogs ${stepId}`);
    for (const e of entries) this.logs.push({ ...e, stepId, taskId, seq });
    return true;
  }

  async getLogs(_runId: string, stepId?: string): Promise<StoredLogEntry[]> {
    return this.logs.filter((l) => stepId === undefined || l.stepId === stepId);
  }

  async putFile(file: FileRecord): Promise<void> {
    this.journal.push(`putFile ${file.stepId} ${file.name}`);
    this.files.push(file);
  }

  async getFiles(runId: string): Promise<FileRecord[]> {
    return this.files.filter((f) => f.runId === runId);
  }

  async addEvent(event: EventRecord): Promise<void> {
    this.journal.push(`addEvent ${event.stepId ?? 'run'} ${event.type}`);
    this.events.push(structuredClone(event));
  }

  async getEvents(runId: string): Promise<EventRecord[]> {
    return this.events.filter((e) => e.runId === runId);
  }

  async close(): Promise<void> {}
}
