/** The bytes of a line begun but not ended, kept as the chunks they came in until the line is taken whole. */
export class HeldBytes {
  private parts: Buffer[] = [];
  /** Bytes held. */
  length = 0;

  push(part: Buffer): void {
    this.parts.push(part);
    this.length += part.length;
  }

  /** The first part held (empty when none). */
  first(): Buffer {
    return this.parts[0] ?? EMPTY;
  }

  /** Everything held followed by `last`, in one buffer (no copy when nothing is held); nothing is held after. */
  take(last: Buffer = EMPTY): Buffer {
    const bytes = this.parts.length === 0 ? last : Buffer.concat([...this.parts, last]);
    this.parts = [];
    this.length = 0;
    return bytes;
  }
}

const EMPTY = Buffer.alloc(0);
