/**
 * Finds every occurrence of many byte patterns at once (Wu–Manber): a table indexed by the hash
 * of the last few bytes of a window says how far the window may jump without skipping a match,
 * so ordinary text is crossed several bytes per step and patterns are compared only where a
 * window ends like the start of one. All tables are typed arrays: no allocation while scanning.
 */
const MAX_WINDOW = 64;
const MIN_TABLE_BITS = 10;
const MAX_TABLE_BITS = 20;
/** Table size over gram count: about one slot in eight taken keeps most shifts long. */
const TABLE_SLACK_BITS = 3;
/** Multiplier of a Fibonacci hash: spreads the gram's bits over the table index. */
const GOLDEN = 0x9e3779b1;

export class SkipScanner {
  /** Length of the window: the shortest pattern, capped. */
  private readonly window: number;
  /** Bytes hashed per step (2, 3 or 4). */
  private readonly gram: number;
  private readonly hashShift: number;
  private readonly shifts: Uint8Array;
  /** One bit per hash: set when some window contains that gram (shift below the maximum). */
  private readonly present: Int32Array;
  private readonly maxShift: number;
  /** Candidate lists per hash (CSR): patterns whose window ends with that hash. */
  private readonly bucketStart: Int32Array;
  private readonly bucketItems: Int32Array;
  private readonly patternBytes: Uint8Array;
  private readonly patternOffset: Int32Array;
  private readonly patternLength: Int32Array;

  constructor(patterns: readonly Uint8Array[]) {
    if (patterns.length === 0) throw new Error('SkipScanner needs at least one pattern');
    const shortest = patterns.reduce((least, p) => Math.min(least, p.length), Infinity);
    if (shortest < 2) throw new Error(`SkipScanner patterns need at least 2 bytes, got ${shortest}`);
    this.window = Math.min(shortest, MAX_WINDOW);
    this.gram = this.window >= 12 ? 4 : this.window >= 6 ? 3 : 2;
    const grams = patterns.length * (this.window - this.gram + 1);
    const bits = Math.min(MAX_TABLE_BITS, Math.max(MIN_TABLE_BITS, Math.ceil(Math.log2(grams)) + TABLE_SLACK_BITS));
    this.hashShift = 32 - bits;
    const size = 1 << bits;

    const total = patterns.reduce((n, p) => n + p.length, 0);
    this.patternBytes = new Uint8Array(total);
    this.patternOffset = new Int32Array(patterns.length);
    this.patternLength = new Int32Array(patterns.length);
    let at = 0;
    patterns.forEach((p, i) => {
      this.patternBytes.set(p, at);
      this.patternOffset[i] = at;
      this.patternLength[i] = p.length;
      at += p.length;
    });

    const maxShift = this.window - this.gram + 1;
    this.maxShift = maxShift;
    this.shifts = new Uint8Array(size).fill(maxShift);
    this.present = new Int32Array(Math.max(1, size >>> 5));
    const counts = new Int32Array(size + 1);
    const lastHash = new Int32Array(patterns.length);
    patterns.forEach((p, i) => {
      for (let end = this.gram - 1; end < this.window; end++) {
        const h = this.hashAt(p, end);
        const shift = this.window - 1 - end;
        if (shift < (this.shifts[h] as number)) this.shifts[h] = shift;
        this.present[h >>> 5] = (this.present[h >>> 5] as number) | (1 << (h & 31));
      }
      const h = this.hashAt(p, this.window - 1);
      lastHash[i] = h;
      counts[h + 1] = (counts[h + 1] as number) + 1;
    });
    for (let h = 0; h < size; h++) counts[h + 1] = (counts[h + 1] as number) + (counts[h] as number);
    this.bucketStart = counts;
    this.bucketItems = new Int32Array(patterns.length);
    const fill = counts.slice();
    lastHash.forEach((h, i) => {
      this.bucketItems[fill[h] as number] = i;
      fill[h] = (fill[h] as number) + 1;
    });
  }

  /**
   * Appends `start, end` pairs for every match whose start lies in [from, to] and whose end
   * is within `buf`, in order of start.
   */
  find(buf: Uint8Array, from: number, to: number, out: number[]): void {
    const window = this.window;
    const limit = Math.min(to + window - 1, buf.length - 1);
    const shifts = this.shifts;
    const hashShift = this.hashShift;
    const present = this.present;
    const maxShift = this.maxShift;
    let j = from + window - 1;
    // One loop per gram size, hash inlined: this loop is the masker's hot path.
    if (this.gram === 4) {
      while (j <= limit) {
        const x =
          ((buf[j - 3] as number) << 24) |
          ((buf[j - 2] as number) << 16) |
          ((buf[j - 1] as number) << 8) |
          (buf[j] as number);
        const h = Math.imul(x, GOLDEN) >>> hashShift;
        if ((((present[h >>> 5] as number) >>> (h & 31)) & 1) === 0) {
          j += maxShift;
          continue;
        }
        const shift = shifts[h] as number;
        if (shift !== 0) {
          j += shift;
          continue;
        }
        this.verify(buf, j - window + 1, h, out);
        j++;
      }
    } else {
      while (j <= limit) {
        const h = this.hashAt(buf, j);
        const shift = shifts[h] as number;
        if (shift !== 0) {
          j += shift;
          continue;
        }
        this.verify(buf, j - window + 1, h, out);
        j++;
      }
    }
  }

  /** Compares, at `start`, every pattern whose window ends with hash `h`. */
  private verify(buf: Uint8Array, start: number, h: number, out: number[]): void {
    const last = this.bucketStart[h + 1] as number;
    const bytes = this.patternBytes;
    for (let b = this.bucketStart[h] as number; b < last; b++) {
      const p = this.bucketItems[b] as number;
      const length = this.patternLength[p] as number;
      if (start + length > buf.length) continue;
      const offset = this.patternOffset[p] as number;
      let k = 0;
      while (k < length && buf[start + k] === bytes[offset + k]) k++;
      if (k === length) out.push(start, start + length);
    }
  }

  private hashAt(buf: Uint8Array, end: number): number {
    let x = ((buf[end - 1] as number) << 8) | (buf[end] as number);
    if (this.gram >= 3) x |= (buf[end - 2] as number) << 16;
    if (this.gram === 4) x |= (buf[end - 3] as number) << 24;
    return Math.imul(x, GOLDEN) >>> this.hashShift;
  }
}
