/**
 * The growing buffer a `/logs` batch is written into: room is kept before the content for the
 * batch's head (written last, when its sequence number is known), so a batch is sent as that
 * buffer with no copy at the end, and that memory serves again once it is sent.
 */
/** Sent batches' buffers kept for reuse. */
const MAX_SPARE = 4;

export class BatchBuffer {
  buf: Buffer;
  /** Where the next byte goes. */
  end: number;
  private readonly spare: Buffer[] = [];

  /**
   * @param headRoom bytes kept before the content for the head
   * @param capacity bytes of content a batch holds before its buffer grows
   */
  constructor(
    private readonly headRoom: number,
    private capacity: number,
  ) {
    this.buf = Buffer.allocUnsafe(headRoom + capacity);
    this.end = headRoom;
  }

  /** Bytes of content so far. */
  get length(): number {
    return this.end - this.headRoom;
  }

  /** Room for `bytes` more bytes; a buffer that grows stays that large for the next batches. */
  reserve(bytes: number): void {
    if (this.end + bytes <= this.buf.length) return;
    this.capacity = Math.max(2 * this.capacity, this.end - this.headRoom + bytes);
    const grown = Buffer.allocUnsafe(this.headRoom + this.capacity);
    this.buf.copy(grown, 0, 0, this.end);
    this.buf = grown;
  }

  /** The batch: `head` (latin1, at most the head room), the content, then `tail`; the buffer starts again empty. */
  take(head: string, tail?: Buffer): Buffer {
    const start = this.headRoom - head.length;
    if (start < 0) throw new Error(`a batch head of ${head.length} bytes does not fit in ${this.headRoom}`);
    this.buf.write(head, start, 'latin1');
    if (tail) {
      this.reserve(tail.length);
      this.end += tail.copy(this.buf, this.end);
    }
    const body = this.buf.subarray(start, this.end);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.headRoom + this.capacity);
    this.end = this.headRoom;
    return body;
  }

  /**
   * Takes back the memory of a body from `take` once it is sent: a few batches' buffers serve
   * every later batch, not a fresh megabyte each (outside the V8 heap, such garbage is collected late).
   */
  recycle(body: Buffer): void {
    const whole = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    if (
      this.spare.length < MAX_SPARE &&
      whole.length === this.headRoom + this.capacity &&
      whole.buffer !== this.buf.buffer
    )
      this.spare.push(whole);
  }
}
