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
  if (lines.includes('\\')) {
    return lines
      .split('\n')
      .map((text) => JSON.stringify({ stream, text, ts }))
      .join(',');
  }
  // With no backslash in the text, every backslash JSON.stringify writes starts an escape it made,
  // so each `\n` it writes is a line break: the place where one entry ends and the next begins.
  const head = `{"stream":${JSON.stringify(stream)},"text":`;
  const between = `","ts":${ts}},${head}"`;
  return `${head}${JSON.stringify(lines).replaceAll('\\n', between)},"ts":${ts}}`;
}
