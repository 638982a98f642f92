import { TarballError } from './tarball-error.js';

/** Pulls exact byte counts out of an async iterable of chunks. */
export class ByteReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out so far: where the next header starts. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>) {}

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value)
        ? next.value
        : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const first = this.chunks[0] as Buffer;
      if (first.length <= left) {
        parts.push(first);
        this.chunks.shift();
        left -= first.length;
      } else {
        parts.push(first.subarray(0, left));
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    this.offset += n;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Exactly `n` bytes; undefined when the data ended cleanly before them. */
  async read(n: number, what: string): Promise<Buffer | undefined> {
    await this.fill(n);
    if (this.buffered === 0) return undefined;
    if (this.buffered < n) throw truncated(what);
    return this.take(n);
  }

  /** Between 1 and `max` bytes, as they arrive. */
  async some(max: number, what: string): Promise<Buffer> {
    await this.fill(1);
    if (this.buffered === 0) throw truncated(what);
    return this.take(Math.min(max, (this.chunks[0] as Buffer).length));
  }

  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.some(left, what)).length;
  }

  /** Reads to the end, failing on anything but zero bytes. */
  async expectZeros(): Promise<void> {
    for (;;) {
      await this.fill(1);
      if (this.buffered === 0) return;
      const at = this.offset;
      const chunk = this.take(Math.min(64 * 1024, (this.chunks[0] as Buffer).length));
      if (chunk.some((b) => b !== 0)) {
        throw new TarballError(
          'corrupt',
          `the archive holds data after its end-of-archive marker (byte ${at}); GNU tar and Python stop at the marker while other readers go on, so they would unpack different files`,
        );
      }
    }
  }
}

export function truncated(what: string): TarballError {
  return new TarballError('corrupt', `the archive ends in the middle of ${what}; it is truncated`);
}
