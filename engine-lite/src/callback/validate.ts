/** Shape checks of the agent's callback bodies: a bad body is a 400 with the field that is wrong. */
import {
  LOG_RECORDS_TYPE,
  LogRecordsError,
  parseLogRecords,
  type AgentEvent,
  type AgentReport,
  type EventBatch,
  type LogBatch,
} from '@caravan/spec';

export class BadBody extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function seqOf(body: Record<string, unknown>): number {
  const seq = body.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    throw new BadBody('seq must be a positive integer');
  return seq;
}

/** A JSON body (UTF-8). */
export function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadBody(`not JSON (${(err as Error).message.slice(0, 80)})`);
  }
}

/** A `/logs` body: log records when its content type says so, else JSON. */
export function parseLogBody(contentType: string | undefined, body: Buffer): LogBatch {
  if (contentType?.split(';')[0]?.trim().toLowerCase() !== LOG_RECORDS_TYPE) return parseLogBatch(jsonOf(body));
  try {
    return parseLogRecords(body);
  } catch (err) {
    throw err instanceof LogRecordsError ? new BadBody(`log records: ${err.message}`) : err;
  }
}

export function parseLogBatch(body: unknown): LogBatch {
  if (!isObj(body)) throw new BadBody('expected a JSON object {seq, entries}');
  const seq = seqOf(body);
  if (!Array.isArray(body.entries)) throw new BadBody('entries must be an array');
  const entries = body.entries.map((e: unknown, i) => {
    if (!isObj(e) || typeof e.text !== 'string' || !['stdout', 'stderr', 'agent'].includes(String(e.stream))) {
      throw new BadBody(`entries[${i}] must be {stream: stdout|stderr|agent, text: string, ts: number}`);
    }
    return {
      stream: e.stream as LogBatch['entries'][number]['stream'],
      text: e.text,
      ts: typeof e.ts === 'number' ? e.ts : Date.now(),
    };
  });
  return { seq, entries };
}

export function parseEventBatch(body: unknown): EventBatch {
  if (!isObj(body)) throw new BadBody('expected a JSON object {seq, events}');
  const seq = seqOf(body);
  if (!Array.isArray(body.events)) throw new BadBody('events must be an array');
  body.events.forEach((e: unknown, i) => {
    if (!isObj(e) || typeof e.type !== 'string') throw new BadBody(`events[${i}] must be an object with a type`);
  });
  return { seq, events: body.events as AgentEvent[] };
}

const STATUSES = new Set(['success', 'failed', 'timeout', 'cancelled', 'error']);

export function parseReport(body: unknown): AgentReport {
  if (!isObj(body)) throw new BadBody('expected a JSON object (the agent report)');
  if (!STATUSES.has(String(body.status))) throw new BadBody(`status must be one of ${[...STATUSES].join(', ')}`);
  const outputs = body.outputs ?? {};
  if (!isObj(outputs) || Object.values(outputs).some((v) => typeof v !== 'string'))
    throw new BadBody('outputs must be an object of strings');
  if (body.errors !== undefined && !Array.isArray(body.errors)) throw new BadBody('errors must be an array');
  const exitCode = body.exitCode;
  if (exitCode !== null && exitCode !== undefined && typeof exitCode !== 'number')
    throw new BadBody('exitCode must be a number or null');
  return {
    status: body.status as AgentReport['status'],
    exitCode: (exitCode ?? null) as number | null,
    signal: typeof body.signal === 'string' ? body.signal : null,
    outputs: outputs as Record<string, string>,
    errors: ((body.errors as unknown[] | undefined) ?? []).filter(isObj).map((e) => ({
      message: String(e.message ?? ''),
      kind: (e.kind ?? 'internal') as AgentReport['errors'][number]['kind'],
      ...(typeof e.file === 'string' ? { file: e.file } : {}),
      ...(typeof e.line === 'number' ? { line: e.line } : {}),
      ...(typeof e.col === 'number' ? { col: e.col } : {}),
    })),
    warnings: Array.isArray(body.warnings) ? body.warnings.map(String) : [],
    annotations: Array.isArray(body.annotations) ? (body.annotations as AgentReport['annotations']) : [],
    files: Array.isArray(body.files) ? (body.files as AgentReport['files']) : [],
    stderrExcerpt: Array.isArray(body.stderrExcerpt) ? body.stderrExcerpt.map(String) : [],
    durationMs: typeof body.durationMs === 'number' ? body.durationMs : 0,
    masked: typeof body.masked === 'number' ? body.masked : 0,
    ...optionalExports(body),
  };
}

/** What the action exported for later steps (GitHub's environment files), each checked for its shape. */
function optionalExports(body: Record<string, unknown>): Partial<AgentReport> {
  const out: Partial<AgentReport> = {};
  const strings = (v: unknown, what: string) => {
    if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string'))
      throw new BadBody(`${what} must be an object of strings`);
    return v as Record<string, string>;
  };
  if (body.exportedEnv !== undefined) out.exportedEnv = strings(body.exportedEnv, 'exportedEnv');
  if (body.state !== undefined) out.state = strings(body.state, 'state');
  if (body.addedPath !== undefined) {
    if (!Array.isArray(body.addedPath) || body.addedPath.some((x) => typeof x !== 'string'))
      throw new BadBody('addedPath must be an array of strings');
    out.addedPath = body.addedPath as string[];
  }
  if (body.summary !== undefined) {
    if (typeof body.summary !== 'string') throw new BadBody('summary must be a string');
    out.summary = body.summary;
  }
  return out;
}
