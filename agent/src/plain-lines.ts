/**
 * Finds, in a block of whole lines, the few a command parser must see one by one. Every other
 * line is plain: it holds no workflow command (`::` after leading white space, or `##[`
 * anywhere), no Erda `action meta: ` line, no bare CR (the runner splits there), no escape
 * sequence (the masker looks through those line by line) and fits the parse cap. Plain lines go
 * on as whole runs of bytes: no string, no object and no masker call per line.
 */
const NEWLINE = 0x0a;
const CR = 0x0d;
const ESC = 0x1b;
const SPACE = 0x20;
const COLON = 0x3a;
const LOWER_A = 0x61;
const ERDA_META = Buffer.from('action meta: ');
const LEGACY = Buffer.from('##[');

/**
 * One pass over `bytes[from, to)`, which ends with a newline. `next()` returns the start of the
 * next line to handle alone (its end in `lineEnd`), or -1; `plainLines` counts the plain lines
 * passed over on the way.
 */
export class PlainLineScanner {
  lineEnd = 0;
  plainLines = 0;
  private pos: number;
  private nextEsc = -1;
  private nextLegacy = -1;
  private nextCr = -1;

  constructor(
    private readonly bytes: Buffer,
    from: number,
    private readonly to: number,
    private readonly cap: number,
  ) {
    this.pos = from;
    this.nextEsc = this.find(ESC, from);
    this.nextLegacy = this.find(LEGACY, from);
    this.nextCr = this.bareCr(from);
  }

  next(): number {
    const { bytes, to } = this;
    let plain = 0;
    let start = this.pos;
    while (start < to) {
      const end = bytes.indexOf(NEWLINE, start) + 1;
      if (this.special(start, end)) {
        this.plainLines = plain;
        this.lineEnd = end;
        this.pos = end;
        return start;
      }
      plain++;
      start = end;
    }
    this.plainLines = plain;
    this.pos = to;
    return -1;
  }

  private special(start: number, end: number): boolean {
    if (end - start > this.cap) return true;
    if (this.nextEsc >= 0 && this.nextEsc < end) {
      if (this.nextEsc >= start) return true;
      this.nextEsc = this.find(ESC, start);
      if (this.nextEsc >= 0 && this.nextEsc < end) return true;
    }
    if (this.nextLegacy >= 0 && this.nextLegacy < end) {
      if (this.nextLegacy >= start) return true;
      this.nextLegacy = this.find(LEGACY, start);
      if (this.nextLegacy >= 0 && this.nextLegacy < end) return true;
    }
    if (this.nextCr >= 0 && this.nextCr < end) {
      if (this.nextCr >= start) return true;
      this.nextCr = this.bareCr(start);
      if (this.nextCr >= 0 && this.nextCr < end) return true;
    }
    return this.specialStart(start, end);
  }

  /** `::` after ASCII white space; any non-ASCII byte there may be Unicode white space (`trimStart`). */
  private specialStart(start: number, end: number): boolean {
    const bytes = this.bytes;
    let at = start;
    let byte = bytes[at]!;
    if (byte === LOWER_A) return bytes.compare(ERDA_META, 0, ERDA_META.length, at, Math.min(end, at + 13)) === 0;
    while (byte === SPACE || (byte >= 0x09 && byte <= 0x0d)) {
      if (++at >= end) return false;
      byte = bytes[at]!;
    }
    return byte >= 0x80 || (byte === COLON && bytes[at + 1] === COLON);
  }

  private find(what: number | Buffer, from: number): number {
    const at = this.bytes.indexOf(what, from);
    return at >= this.to ? -1 : at;
  }

  /** The next CR that does not end its line (`\r\n`). */
  private bareCr(from: number): number {
    let at = this.find(CR, from);
    while (at >= 0 && this.bytes[at + 1] === NEWLINE) at = this.find(CR, at + 1);
    return at;
  }
}
