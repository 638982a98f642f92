/**
 * Finds short secrets only where they stand as whole words: the byte before and the byte after
 * must not be word bytes (ASCII letters, digits, `_`, or any byte of a non-ASCII character).
 * Such secrets are few and short, so the native `indexOf` per pattern is the fastest search.
 */
export function isWordByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x5f ||
    byte >= 0x80
  );
}

export class WholeWordScanner {
  constructor(private readonly patterns: readonly Buffer[]) {}

  /**
   * Appends `start, end` pairs of whole-word matches starting in [from, to]; unordered.
   * `byteBefore` precedes `buf` in the stream; -1 counts as a boundary.
   */
  find(buf: Buffer, from: number, to: number, out: number[], byteBefore = -1): void {
    for (const pattern of this.patterns) {
      let at = buf.indexOf(pattern, from);
      while (at !== -1 && at <= to) {
        const end = at + pattern.length;
        const before = at === 0 ? byteBefore : (buf[at - 1] as number);
        const leftFree = before < 0 || !isWordByte(before);
        const rightFree = end >= buf.length || !isWordByte(buf[end] as number);
        if (leftFree && rightFree) out.push(at, end);
        at = buf.indexOf(pattern, at + 1);
      }
    }
  }
}
