/**
 * The JSON body of one `/logs` batch ({seq, entries}), written as entries come into one
 * BatchBuffer. Many lines of one stream are serialized in one pass, not one object and one
 * JSON.stringify call per line. (Writing the JSON from the lines' bytes in a loop of JS was tried:
 * slower than decoding them and escaping the string with native calls.)
 */
import type { LogEntry } from '@caravan/spec';
import { BatchBuffer } from './batch-buffer.js';

const COMMA = 0x2c;
const CLOSE = Buffer.from(']}');
/** Room before the entries for `{"seq":N,"entries":[`, N any safe integer. */
const HEAD_ROOM = 40;

export class LogBatchBuilder {
  private readonly out: BatchBuffer;
  /** Entries in the batch so far. */
  entries = 0;
  /** Bytes of JSON in the batch so far (with a separator per addition). */
  bytes = 0;

  /** @param capacity bytes of JSON a batch holds before its buffer grows */
  constructor(capacity = 64 * 1024) {
    this.out = new BatchBuffer(HEAD_ROOM, capacity);
  }

  add(entry: LogEntry): void {
    this.addJson(JSON.stringify(entry), 1);
  }

  /** One entry per line of `lines` (joined by `\n`), all with this stream and time. */
  addLines(stream: LogEntry['stream'], lines: string, ts: number): void {
    let count = 1;
    for (let at = lines.indexOf('\n'); at >= 0; at = lines.indexOf('\n', at + 1)) count++;
    this.addJson(entriesJson(stream, lines, ts), count);
  }

  /** The batch's JSON body, UTF-8; the builder starts again empty. */
  take(seq: number): Buffer {
    this.entries = 0;
    this.bytes = 0;
    return this.out.take(`{"seq":${seq},"entries":[`, CLOSE);
  }

  /** Takes back the memory of a body from `take` once it is sent (see BatchBuffer). */
  recycle(body: Buffer): void {
    this.out.recycle(body);
  }

  private addJson(json: string, count: number): void {
    const out = this.out;
    out.reserve(1 + json.length * 3);
    if (out.length > 0) out.buf[out.end++] = COMMA;
    const from = out.end;
    out.end += out.buf.write(json, out.end, 'utf8');
    this.entries += count;
    this.bytes += out.end - from + 1;
  }
}

/** `{stream, text, ts}` objects, comma-separated, one per line of `lines`. */
export function entriesJson(stream: LogEntry['stream'], lines: string, ts: number): string {
  const head = `{"stream":${JSON.stringify(stream)},"text":"`;
  // What JSON escapes is rare in logs: only then a callback per character; each line break is the
  // place where one entry ends and the next begins (a native replaceAll, not JSON.stringify then split).
  const escaped = HAS_ESCAPE.test(lines) ? lines.replace(NEEDS_ESCAPE, escapeChar) : lines;
  return `${head}${escaped.replaceAll('\n', `","ts":${ts}},${head}`)}","ts":${ts}}`;
}

/** Control characters but the line break, quote, backslash and surrogates (escaped only when lone). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /[\u0000-\u0009\u000b-\u001f"\\\ud800-\udfff]/g;
const HAS_ESCAPE = new RegExp(NEEDS_ESCAPE.source);

/** A character as JSON.stringify writes it. */
function escapeChar(c: string, at: number, all: string): string {
  const code = c.charCodeAt(0);
  if (code >= 0xd800) return isPaired(all, at, code) ? c : `\\u${code.toString(16)}`;
  return SHORT_ESCAPES[c] ?? `\\u${code.toString(16).padStart(4, '0')}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\r': '\\r',
  '\t': '\\t',
};

function isPaired(text: string, at: number, code: number): boolean {
  if (code <= 0xdbff) {
    const next = text.charCodeAt(at + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  }
  const before = text.charCodeAt(at - 1);
  return before >= 0xd800 && before <= 0xdbff;
}
