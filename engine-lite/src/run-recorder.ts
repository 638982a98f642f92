/**
 * The one writer of a run's state. Every step and run status change and every event is written to
 * the store here before the engine acts on it, so a stopped engine can be resumed from the store
 * alone; listeners hear of a change only once it is stored. Everything is masked before it is
 * written. The step records, as last written, are kept here and read by the rest of the engine.
 */
import type { RunClaim } from './store/run-claims.js';
import type { LogEntry } from '@caravan/spec';
import type { Clock } from './clock.js';
import type { EngineEvent } from './engine-deps.js';
import { maskLogEntries, type TextMasker } from './masking.js';
import type { RunStatus } from './status.js';
import { assertTransition } from './status.js';
import type {
  CarriedRecords,
  EngineStore,
  FileRecord,
  NewQueueEntry,
  RunRecord,
  StepPatch,
  StepRecord,
} from './store/types.js';

/** The store's writes: the engine makes them all through a RunRecorder. */
export type StoreWriter = Pick<
  EngineStore,
  'createRun' | 'updateRun' | 'updateStep' | 'addEvent' | 'appendLogs' | 'putFile'
>;

export interface RecorderDeps {
  store: StoreWriter;
  clock: Clock;
  masker: TextMasker;
  /** Told each run and step status change once it is stored; a throw is recorded as `listener.error`. */
  emit(event: EngineEvent): void;
}

const MAX_ERROR_CHARS = 4000;

export class RunRecorder {
  private readonly steps = new Map<string, StepRecord>();

  constructor(
    private readonly deps: RecorderDeps,
    readonly runId: string,
    steps: readonly StepRecord[] = [],
  ) {
    for (const s of steps) this.steps.set(s.stepId, s);
  }

  /** The step's record as last written. */
  record(id: string): StepRecord {
    const r = this.steps.get(id);
    if (!r) throw new Error(`internal: no record for step ${id}`);
    return r;
  }

  records(): IterableIterator<StepRecord> {
    return this.steps.values();
  }

  has(id: string): boolean {
    return this.steps.has(id);
  }

  /** A new run with its steps. */
  /** False (nothing stored) when another run holds the claim. */
  async created(
    run: RunRecord,
    steps: StepRecord[],
    data: Record<string, unknown>,
    claim?: RunClaim,
    queue?: NewQueueEntry,
    carried?: CarriedRecords,
  ): Promise<boolean> {
    if (!(await this.deps.store.createRun(run, steps, claim, queue, carried))) return false;
    for (const s of steps) this.steps.set(s.stepId, s);
    await this.event('run.created', data, undefined, run.createdAt);
    return true;
  }

  async runStarted(startedAt: number | undefined): Promise<void> {
    const ts = this.deps.clock.now();
    await this.deps.store.updateRun(this.runId, {
      status: 'running',
      enginePid: process.pid,
      startedAt: startedAt ?? ts,
      endedAt: undefined,
      error: undefined,
    });
    await this.emit({ type: 'run', runId: this.runId, status: 'running', ts });
  }

  async runEnded(status: RunStatus, data: Record<string, unknown> = {}): Promise<void> {
    const ts = this.deps.clock.now();
    await this.deps.store.updateRun(this.runId, { status, endedAt: ts, enginePid: undefined });
    await this.deps.store.addEvent({ runId: this.runId, type: `run.${status}`, data, ts });
    await this.emit({ type: 'run', runId: this.runId, status, ts });
  }

  async cancelRequested(): Promise<void> {
    await this.deps.store.updateRun(this.runId, { cancelRequested: true });
  }

  /**
   * A change of a step's record. A status change is checked against the transition table before
   * anything is written, and logged as the event `step.<status>` (with `data`).
   */
  async stepChanged(id: string, patch: StepPatch, data: Record<string, unknown> = {}): Promise<void> {
    const rec = this.record(id);
    if (patch.status !== undefined && patch.status !== rec.status) assertTransition(id, rec.status, patch.status);
    const masked = this.maskPatch(patch);
    await this.deps.store.updateStep(this.runId, id, masked);
    Object.assign(rec, masked);
    if (masked.status === undefined) return;
    const ts = this.deps.clock.now();
    await this.deps.store.addEvent({
      runId: this.runId,
      stepId: id,
      type: `step.${masked.status}`,
      data: { attempt: rec.attempt, ...(rec.error ? { error: rec.error } : {}), ...this.deps.masker.maskDeep(data) },
      ts,
    });
    await this.emit({
      type: 'step',
      runId: this.runId,
      stepId: id,
      status: masked.status,
      attempt: rec.attempt,
      ts,
      startedAt: rec.startedAt,
      endedAt: rec.endedAt,
      error: rec.error,
    });
  }

  /** An entry of the run's event log; with `stepId`, of that step's. */
  async event(type: string, data: Record<string, unknown>, stepId?: string, ts = this.deps.clock.now()): Promise<void> {
    await this.deps.store.addEvent({
      runId: this.runId,
      ...(stepId !== undefined ? { stepId } : {}),
      type,
      data: this.deps.masker.maskDeep(data),
      ts,
    });
  }

  /** A failure that does not change a status (`executor.error`, `cache.error`, `hook.error`, …), logged. */
  async failure(type: string, err: unknown, stepId?: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.event(type, { ...data, error: err instanceof Error ? err.message : String(err) }, stepId);
  }

  /** One log batch of a task; false when that batch was already stored. */
  async logs(stepId: string, taskId: string, seq: number, entries: LogEntry[]): Promise<boolean> {
    const m = this.deps.masker;
    return this.deps.store.appendLogs(this.runId, stepId, taskId, seq, m.active ? maskLogEntries(m, entries) : entries);
  }

  async file(f: FileRecord): Promise<void> {
    await this.deps.store.putFile(f);
  }

  private maskPatch(patch: StepPatch): StepPatch {
    const m = this.deps.masker;
    if (!m.active) return patch;
    const out = { ...patch };
    if (patch.error !== undefined) out.error = m.mask(patch.error).slice(0, MAX_ERROR_CHARS);
    if (patch.outputs !== undefined) out.outputs = m.maskRecord(patch.outputs);
    return out;
  }

  /** Tells the listeners; what one throws is logged (not awaited when nothing is thrown: the hot path). */
  private emit(event: EngineEvent): Promise<void> | undefined {
    try {
      this.deps.emit(event);
      return undefined;
    } catch (err) {
      return this.failure('listener.error', err, event.type === 'step' ? event.stepId : undefined, {
        event: `${event.type}.${event.status}`,
      });
    }
  }
}
