/**
 * The body of one `/logs` batch ({seq, entries}), built as entries come: each entry is
 * serialized when added, so a batch is one join at the end, and many lines of one stream are
 * serialized in one JSON.stringify call instead of one object and one call per line.
 */
import type { LogEntry } from '@caravan/spec';

export class LogBatchBuilder {
  private parts: string[] = [];
  /** Entries in the batch so far. */
  entries = 0;
  /** Characters of JSON in the batch so far. */
  chars = 0;

  add(entry: LogEntry): void {
    this.push(JSON.stringify(entry), 1);
  }

  /** One entry per line of `lines` (joined by `\n`), all with this stream and time. */
  addLines(stream: LogEntry['stream'], lines: string, ts: number): void {
    let count = 1;
    for (let at = lines.indexOf('\n'); at >= 0; at = lines.indexOf('\n', at + 1)) count++;
    this.push(entriesJson(stream, lines, ts), count);
  }

  /** The batch's JSON body; the builder starts again empty. */
  take(seq: number): string {
    const body = `{"seq":${seq},"entries":[${this.parts.join(',')}]}`;
    this.parts = [];
    this.entries = 0;
    this.chars = 0;
    return body;
  }

  private push(json: string, count: number): void {
    this.parts.push(json);
    this.entries += count;
    this.chars += json.length + 1;
  }
}

/** `{stream, text, ts}` objects, comma-separated, one per line of `lines`. */
export function entriesJson(stream: LogEntry['stream'], lines: string, ts: number): string {
  const head = `{"stream":${JSON.stringify(stream)},"text":"`;
  const between = `","ts":${ts}},${head}`;
  // One pass escapes what JSON needs escaped, as JSON.stringify does, and turns each line break into
  // the place where one entry ends and the next begins (a third faster than JSON.stringify then split).
  const body = lines.replace(NEEDS_ESCAPE, (c, at: number, all: string) => {
    if (c === '\n') return between;
    const code = c.charCodeAt(0);
    if (code >= 0xd800) return isPaired(all, at, code) ? c : `\\u${code.toString(16)}`;
    return SHORT_ESCAPES[c] ?? `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `${head}${body}","ts":${ts}}`;
}

/** Control characters, quote, backslash and surrogates (escaped only when lone, as JSON.stringify does). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/g;

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
