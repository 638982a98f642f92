/** Conversions between store rows (flat, snake_case, JSON text) and records; shared by both stores. */
import { isStepStatus } from '../status.js';
import type { RunStatus } from '../status.js';
import type { EventRecord, FileRecord, RunPatch, RunRecord, StepPatch, StepRecord, StoredLogEntry } from './types.js';
import { StoreError } from './types.js';

export type Row = Record<string, unknown>;

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function runToRow(r: RunRecord): Row {
  return {
    id: r.id,
    pipeline_name: r.pipelineName,
    file: r.file,
    source: r.source,
    pipeline: JSON.stringify(r.pipeline),
    params: JSON.stringify(r.params),
    actions: JSON.stringify(r.actions),
    secret_names: JSON.stringify(r.secretNames),
    executor: r.executor,
    concurrency: r.concurrency,
    status: r.status,
    cancel_requested: r.cancelRequested ? 1 : 0,
    engine_pid: r.enginePid ?? null,
    created_at: r.createdAt,
    started_at: r.startedAt ?? null,
    ended_at: r.endedAt ?? null,
    error: r.error ?? null,
    event: r.event === undefined ? null : JSON.stringify(r.event),
  };
}

export function rowToRun(row: Row): RunRecord {
  return {
    id: String(row.id),
    pipelineName: String(row.pipeline_name),
    file: String(row.file),
    source: String(row.source),
    pipeline: JSON.parse(String(row.pipeline)) as RunRecord['pipeline'],
    params: JSON.parse(String(row.params)) as Record<string, unknown>,
    actions: JSON.parse(String(row.actions)) as RunRecord['actions'],
    secretNames: JSON.parse(String(row.secret_names)) as string[],
    executor: String(row.executor),
    concurrency: Number(row.concurrency),
    status: String(row.status) as RunStatus,
    cancelRequested: Number(row.cancel_requested) === 1,
    enginePid: num(row.engine_pid),
    createdAt: Number(row.created_at),
    startedAt: num(row.started_at),
    endedAt: num(row.ended_at),
    error: str(row.error),
    ...(row.event ? { event: JSON.parse(String(row.event)) as Record<string, unknown> } : {}),
  };
}

export function stepToRow(s: StepRecord): Row {
  return {
    run_id: s.runId,
    step_id: s.stepId,
    status: s.status,
    attempt: s.attempt,
    task_id: s.taskId ?? null,
    executor: s.executor ?? null,
    started_at: s.startedAt ?? null,
    ended_at: s.endedAt ?? null,
    exit_code: s.exitCode ?? null,
    error: s.error ?? null,
    outputs: JSON.stringify(s.outputs),
    retry_at: s.retryAt ?? null,
    ord: s.order,
  };
}

export function rowToStep(row: Row): StepRecord {
  const status = String(row.status);
  if (!isStepStatus(status))
    throw new StoreError(`step ${String(row.step_id)} has an unknown status "${status}" in the store`);
  return {
    runId: String(row.run_id),
    stepId: String(row.step_id),
    status,
    attempt: Number(row.attempt),
    taskId: str(row.task_id),
    executor: str(row.executor),
    startedAt: num(row.started_at),
    endedAt: num(row.ended_at),
    exitCode: num(row.exit_code),
    error: str(row.error),
    outputs: JSON.parse(String(row.outputs)) as Record<string, string>,
    retryAt: num(row.retry_at),
    order: Number(row.ord),
  };
}

const STEP_COLUMNS: Record<keyof StepPatch, string> = {
  status: 'status',
  attempt: 'attempt',
  taskId: 'task_id',
  executor: 'executor',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  exitCode: 'exit_code',
  error: 'error',
  outputs: 'outputs',
  retryAt: 'retry_at',
};

const RUN_COLUMNS: Record<keyof RunPatch, string> = {
  status: 'status',
  cancelRequested: 'cancel_requested',
  enginePid: 'engine_pid',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  error: 'error',
};

/** Column/value pairs of a patch; `null` clears a column (a key present with value undefined). */
export function stepPatchColumns(patch: StepPatch): Array<[string, unknown]> {
  return Object.entries(patch).map(([k, v]) => {
    const col = STEP_COLUMNS[k as keyof StepPatch];
    if (!col) throw new StoreError(`unknown step field "${k}"`);
    return [col, k === 'outputs' ? JSON.stringify(v) : (v ?? null)];
  });
}

export function runPatchColumns(patch: RunPatch): Array<[string, unknown]> {
  return Object.entries(patch).map(([k, v]) => {
    const col = RUN_COLUMNS[k as keyof RunPatch];
    if (!col) throw new StoreError(`unknown run field "${k}"`);
    return [col, k === 'cancelRequested' ? (v ? 1 : 0) : (v ?? null)];
  });
}

export function rowToLog(row: Row): StoredLogEntry {
  return {
    stepId: String(row.step_id),
    taskId: String(row.task_id),
    seq: Number(row.seq),
    stream: String(row.stream) as StoredLogEntry['stream'],
    text: String(row.text),
    ts: Number(row.ts),
  };
}

export function rowToFile(row: Row): FileRecord {
  return {
    runId: String(row.run_id),
    stepId: String(row.step_id),
    name: String(row.name),
    sha256: String(row.sha256),
    size: Number(row.size),
  };
}

export function rowToEvent(row: Row): EventRecord {
  return {
    id: Number(row.id),
    runId: String(row.run_id),
    stepId: str(row.step_id),
    type: String(row.type),
    data: JSON.parse(String(row.data)) as Record<string, unknown>,
    ts: Number(row.ts),
  };
}
