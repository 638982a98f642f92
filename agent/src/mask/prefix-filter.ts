/**
 * Answers "could the bytes from here to the end of what has arrived be the start of a pattern?"
 * A stream must hold back only from the first position where the answer is yes; everything
 * before it can be emitted now, so a line that ends a burst of output is not left waiting.
 *
 * Every prefix of every pattern goes into a one-hash Bloom filter keyed by (polynomial hash,
 * length). False positives only hold a few bytes back a little longer; there are no false
 * negatives. The suffix hashes are computed right to left in one pass, so the check costs a
 * few multiplies and a bit test per byte, and stops at the first byte no pattern contains.
 */
const BASE = 0x01000193;

export class PrefixFilter {
  private readonly bits: Int32Array;
  private readonly shift: number;
  /** 1 for each byte value that occurs in some pattern. */
  private readonly used = new Uint8Array(256);
  /**
   * @param reach the most bytes a match needs from its start (see `Matcher.maxSpan`): a suffix
   *   that long is decided by the bytes already there, so only shorter ones are held.
   */
  constructor(
    patterns: readonly Uint8Array[],
    private readonly reach: number,
  ) {
    const prefixes = patterns.reduce((n, p) => n + p.length, 0);
    const bits = Math.min(24, Math.max(10, Math.ceil(Math.log2(Math.max(1, prefixes))) + 6));
    this.shift = 32 - bits;
    this.bits = new Int32Array(1 << (bits - 5));
    for (const pattern of patterns) {
      let hash = 0;
      let power = 1;
      for (let k = 1; k <= pattern.length; k++) {
        this.used[pattern[k - 1] as number] = 1;
        hash = (hash + Math.imul(pattern[k - 1] as number, power)) | 0;
        power = Math.imul(power, BASE);
        const slot = this.slot(hash, k);
        this.bits[slot >>> 5] = (this.bits[slot >>> 5] as number) | (1 << (slot & 31));
      }
    }
  }

  /**
   * The first position p in [from, buf.length) such that buf[p..] may be a prefix of a pattern
   * still to be completed (only the last `reach - 1` positions count); buf.length if none.
   */
  firstPossibleStart(buf: Uint8Array, from: number): number {
    const lowest = Math.max(from, buf.length - this.reach + 1);
    let first = buf.length;
    let hash = 0;
    const used = this.used;
    for (let p = buf.length - 1; p >= lowest; p--) {
      const byte = buf[p] as number;
      // No pattern holds this byte, so no suffix that contains it can start one: a line's own
      // newline usually ends the search at once.
      if (used[byte] === 0) break;
      hash = (byte + Math.imul(hash, BASE)) | 0;
      const slot = this.slot(hash, buf.length - p);
      if ((((this.bits[slot >>> 5] as number) >>> (slot & 31)) & 1) !== 0) first = p;
    }
    return first;
  }

  private slot(hash: number, length: number): number {
    return Math.imul(hash ^ Math.imul(length, 0x85ebca6b), 0xc2b2ae35) >>> this.shift;
  }
}
