/**
 * Log entries written as JSON straight from a stream's masked bytes: no string per line or per
 * block, no regular expression, no encoding back to UTF-8. The output is byte for byte what
 * `entriesJson` makes of the same lines decoded (see log-batch.ts), for input that is valid UTF-8.
 */
const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
const ZERO = 0x30;
const HEX = Buffer.from('0123456789abcdef');
/** The letter of JSON's two-character escapes (`\b`, `\t`, `\f`, `\r`) by control byte; 0: none. */
const SHORT = new Uint8Array(0x20);
SHORT[0x08] = 0x62;
SHORT[0x09] = 0x74;
SHORT[0x0c] = 0x66;
SHORT[0x0d] = 0x72;
/** A control byte becomes at most six bytes (`\u001b`). */
const WIDEST_ESCAPE = 6;

/** The fixed JSON around each line's text, for one stream and time. */
export class EntryFrame {
  /** `{"stream":"stdout","text":"` */
  readonly head: Buffer;
  /** `","ts":7},{"stream":"stdout","text":"`: where one line ends and the next begins. */
  readonly between: Buffer;
  /** `","ts":7}` */
  readonly tail: Buffer;

  constructor(stream: string, ts: number) {
    const head = `{"stream":${JSON.stringify(stream)},"text":"`;
    const tail = `","ts":${ts}}`;
    this.head = Buffer.from(head);
    this.between = Buffer.from(`${tail},${head}`);
    this.tail = Buffer.from(tail);
  }

  /** The most bytes `writeEntries` can write for `lines` lines of `bytes` bytes. */
  worstCase(bytes: number, lines: number): number {
    return this.head.length + this.tail.length + bytes * WIDEST_ESCAPE + (lines - 1) * this.between.length;
  }
}

/** How many lines `block` holds (newlines + 1). */
export function lineCount(block: Uint8Array): number {
  let lines = 1;
  for (let at = block.indexOf(NEWLINE); at >= 0; at = block.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/**
 * Writes one entry per line of `block` (valid UTF-8, lines joined by `\n`; a CR before a `\n` is
 * dropped, as when the line is read) into `out` from `at`, comma-separated; returns the end.
 * `out` must have room for `frame.worstCase(...)` bytes.
 */
export function writeEntries(block: Uint8Array, frame: EntryFrame, out: Buffer, at: number): number {
  let w = at + frame.head.copy(out, at);
  const between = frame.between;
  const n = block.length;
  for (let i = 0; i < n; i++) {
    const byte = block[i]!;
    if (byte >= 0x20) {
      if (byte === QUOTE || byte === BACKSLASH) out[w++] = BACKSLASH;
      out[w++] = byte;
    } else if (byte === NEWLINE) {
      w += between.copy(out, w);
    } else if (byte !== CR || block[i + 1] !== NEWLINE) {
      out[w++] = BACKSLASH;
      const short = SHORT[byte]!;
      if (short !== 0) {
        out[w++] = short;
      } else {
        out[w++] = LOWER_U;
        out[w++] = ZERO;
        out[w++] = ZERO;
        out[w++] = HEX[byte >> 4]!;
        out[w++] = HEX[byte & 15]!;
      }
    }
  }
  return w + frame.tail.copy(out, w);
}
