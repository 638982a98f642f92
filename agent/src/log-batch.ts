/**
 * The body of one `/logs` batch ({seq, entries}), built as entries come: each entry is
 * serialized and encoded when added, so a batch is one copy at the end, and many lines of one
 * stream are serialized in one pass instead of one object and one JSON.stringify call per line.
 */
import type { LogEntry } from '@caravan/spec';

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

export class LogBatchBuilder {
  private parts: Buffer[] = [];
  /** Entries in the batch so far. */
  entries = 0;
  /** Bytes of JSON in the batch so far. */
  bytes = 0;

  add(entry: LogEntry): void {
    this.push(JSON.stringify(entry), 1);
  }

  /** One entry per line of `lines` (joined by `\n`), all with this stream and time. */
  addLines(stream: LogEntry['stream'], lines: string, ts: number): void {
    let count = 1;
    for (let at = lines.indexOf('\n'); at >= 0; at = lines.indexOf('\n', at + 1)) count++;
    this.push(entriesJson(stream, lines, ts), count);
  }

  /** The batch's JSON body, UTF-8; the builder starts again empty. */
  take(seq: number): Buffer {
    const pieces: Buffer[] = [Buffer.from(`{"seq":${seq},"entries":[`)];
    this.parts.forEach((part, i) => pieces.push(...(i > 0 ? [COMMA, part] : [part])));
    pieces.push(CLOSE);
    this.parts = [];
    this.entries = 0;
    this.bytes = 0;
    return Buffer.concat(pieces);
  }

  private push(json: string, count: number): void {
    const bytes = Buffer.from(json, 'utf8');
    this.parts.push(bytes);
    this.entries += count;
    this.bytes += bytes.length + 1;
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
