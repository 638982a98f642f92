/**
 * Log records: the compact body of a `/logs` batch, sent when the engine offers it in
 * `Callback.logTypes`. Masked output travels as the bytes the action wrote, a run of whole lines at
 * a time, so neither side builds or parses one JSON object per line:
 *
 *   seq <N>\n
 *   <stream> <ts> <length>\n<length bytes>
 *   <stream> <ts> <length>\n<length bytes>
 *   ...
 *
 * `<stream>` is stdout, stderr or agent; `<ts>` milliseconds since the epoch; `<length>` a byte
 * count. A record's bytes are lines each ended by `\n` (a `\r` before it is dropped), except that
 * the last may have no `\n`: it is then a piece of a longer line, an entry of its own. Each line
 * is one `LogEntry`; the bytes are decoded as UTF-8 (an invalid sequence becomes U+FFFD).
 */
import type { LogBatch, LogEntry } from './agent-types.js';

/** The content type of a log-records body. */
export const LOG_RECORDS_TYPE = 'application/vnd.caravan.log-records';

const STREAMS: ReadonlySet<string> = new Set(['stdout', 'stderr', 'agent']);
const NEWLINE = 0x0a;
const CR = 0x0d;
/** A head line is short: a stream name, a 13-digit time and a length. */
const MAX_HEAD = 64;
const SEQ_LINE = /^seq ([1-9][0-9]{0,15})$/;
const RECORD_HEAD = /^(stdout|stderr|agent) ([0-9]{1,16}) ([0-9]{1,10})$/;

export class LogRecordsError extends Error {}

/** The first line of a body. */
export function logRecordsHead(seq: number): string {
  return `seq ${seq}\n`;
}

/** The head line of one record of `length` bytes. */
export function logRecordHead(stream: LogEntry['stream'], ts: number, length: number): string {
  if (!STREAMS.has(stream)) throw new LogRecordsError(`"${stream}" is not a log stream: stdout, stderr or agent`);
  return `${stream} ${Math.trunc(ts)} ${length}\n`;
}

/** The batch a log-records body holds; a malformed body throws a LogRecordsError saying where. */
export function parseLogRecords(body: Buffer): LogBatch {
  const first = headLine(body, 0, 'the body');
  const seqMatch = SEQ_LINE.exec(first.text);
  if (!seqMatch || !Number.isSafeInteger(Number(seqMatch[1])))
    throw new LogRecordsError(`the body must start with "seq <N>\\n", N a positive integer; got "${clip(first.text)}"`);
  const entries: LogEntry[] = [];
  let at = first.next;
  for (let record = 1; at < body.length; record++) {
    const head = headLine(body, at, `record ${record} (byte ${at})`);
    const m = RECORD_HEAD.exec(head.text);
    if (!m)
      throw new LogRecordsError(
        `record ${record} (byte ${at}): expected "<stdout|stderr|agent> <ts> <length>\\n", got "${clip(head.text)}"`,
      );
    const length = Number(m[3]);
    if (head.next + length > body.length)
      throw new LogRecordsError(
        `record ${record} (byte ${at}) says ${length} bytes, but only ${body.length - head.next} follow`,
      );
    addLines(entries, m[1] as LogEntry['stream'], Number(m[2]), body, head.next, head.next + length);
    at = head.next + length;
  }
  return { seq: Number(seqMatch[1]), entries };
}

function headLine(body: Buffer, from: number, what: string): { text: string; next: number } {
  const nl = body.indexOf(NEWLINE, from);
  if (nl < 0 || nl - from > MAX_HEAD) throw new LogRecordsError(`${what}: no head line ending in "\\n"`);
  return { text: body.toString('latin1', from, nl), next: nl + 1 };
}

function addLines(out: LogEntry[], stream: LogEntry['stream'], ts: number, body: Buffer, from: number, to: number) {
  if (to === from) return;
  let end = to;
  if (body[to - 1] === NEWLINE) {
    end = to - 1;
    if (end > from && body[end - 1] === CR) end--;
  }
  const text = body.toString('utf8', from, end);
  const lines = text.includes('\r\n') ? text.replaceAll('\r\n', '\n') : text;
  for (const line of lines.split('\n')) out.push({ stream, text: line, ts });
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
