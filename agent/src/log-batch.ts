/**
 * The body of one `/logs` batch ({seq, entries}), written as entries come into one growing
 * buffer: a batch is sent as that buffer, with no copy at the end, and that memory serves again
 * once it is sent. Many lines of one stream are serialized in one pass, not one object and one
 * JSON.stringify call per line. (Writing the JSON from the lines' bytes in a loop of JS was tried:
 * slower than decoding them and escaping the string with native calls.)
 */
import type { LogEntry } from '@caravan/spec';

const COMMA = 0x2c;
const CLOSE = Buffer.from(']}');
/** Room before the entries for `{"seq":N,"entries":[`, N any safe integer. */
const HEAD_ROOM = 40;
/** Sent batches' buffers kept for reuse. */
const MAX_SPARE = 4;

export class LogBatchBuilder {
  private buf: Buffer;
  private readonly spare: Buffer[] = [];
  private end = HEAD_ROOM;
  /** Entries in the batch so far. */
  entries = 0;
  /** Bytes of JSON in the batch so far (with a separator per addition). */
  bytes = 0;

  /** @param capacity bytes of JSON a batch holds before its buffer grows */
  constructor(private capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(HEAD_ROOM + capacity);
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
    const open = `{"seq":${seq},"entries":[`;
    const start = HEAD_ROOM - open.length;
    this.buf.write(open, start, 'latin1');
    this.reserve(CLOSE.length);
    this.end += CLOSE.copy(this.buf, this.end);
    const body = this.buf.subarray(start, this.end);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(HEAD_ROOM + this.capacity);
    this.end = HEAD_ROOM;
    this.entries = 0;
    this.bytes = 0;
    return body;
  }

  /**
   * Takes back the memory of a body from `take` once it is sent: a few batches' buffers serve
   * every later batch, not a fresh megabyte each (outside the V8 heap, such garbage is collected late).
   */
  recycle(body: Buffer): void {
    const whole = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    if (this.spare.length < MAX_SPARE && whole.length === HEAD_ROOM + this.capacity && whole.buffer !== this.buf.buffer)
      this.spare.push(whole);
  }

  private addJson(json: string, count: number): void {
    this.reserve(1 + json.length * 3);
    const from = this.separate();
    this.end += this.buf.write(json, this.end, 'utf8');
    this.entries += count;
    this.bytes += this.end - from + 1;
  }

  /** Writes the comma before a further entry; returns where the new JSON starts. */
  private separate(): number {
    if (this.end > HEAD_ROOM) this.buf[this.end++] = COMMA;
    return this.end;
  }

  /** Room for `bytes` more bytes; a buffer that grows stays that large for the next batches. */
  private reserve(bytes: number): void {
    if (this.end + bytes <= this.buf.length) return;
    this.capacity = Math.max(2 * this.capacity, this.end + bytes);
    const grown = Buffer.allocUnsafe(HEAD_ROOM + this.capacity);
    this.buf.copy(grown, 0, 0, this.end);
    this.buf = grown;
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
