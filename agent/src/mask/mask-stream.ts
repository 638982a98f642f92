/**
 * One output stream through the masker. Holds back only the bytes that could still be the start
 * of a match (at most `maxSpan - 1`, usually none at the end of a line), and keeps as many
 * already-emitted bytes as context, so that a match straddling two pushes is found whole, a
 * short secret sees the byte before it, and a secret added later still sees its left edge.
 */
import { maskAcrossEscapes } from './escapes.js';
import type { ByteMaskStream } from './types.js';
import type { Matcher } from './matcher.js';

const STARS = Buffer.from('***');
const NOTHING = Buffer.alloc(0);

/** What a stream needs from its masker: the current pattern set and the shared counter. */
export interface MaskStreamOwner {
  readonly matcher: Matcher;
  countReplacement(): void;
}

const ESC = 0x1b;
const NEWLINE = 0x0a;

export class MaskStream implements ByteMaskStream {
  /** Context (already emitted) followed by the held-back bytes. */
  private buf: Buffer = NOTHING;
  /** Index in `buf` of the first byte not yet emitted. */
  private base = 0;
  /** Index in `buf` of the first match start not yet examined. */
  private scanFrom = 0;
  /** Merged spans (`start, end` pairs, `buf` indexes) found but not yet fully emitted. */
  private spans: number[] = [];
  /** Whether the last emitted byte was masked, so a span going on from it adds no new `***`. */
  private lastMasked = false;
  private matcher: Matcher;
  private ended = false;

  constructor(private readonly owner: MaskStreamOwner) {
    this.matcher = owner.matcher;
  }

  /** Bytes received and not yet emitted (for tests and diagnostics). */
  get heldBytes(): number {
    return this.buf.length - this.base;
  }

  push(chunk: Buffer): Buffer {
    if (this.ended) throw new Error('mask stream: push() after end()');
    if (!Buffer.isBuffer(chunk)) throw new TypeError('mask stream: push() takes a Buffer');
    if (chunk.length === 0) return NOTHING;
    this.followMatcher();
    return chunk.length >= 2 * this.matcher.maxSpan ? this.pushLarge(chunk) : this.pushSmall(chunk);
  }

  pushLine(line: Buffer): Buffer {
    if (line.indexOf(ESC) < 0) return this.push(line);
    this.followMatcher();
    return this.push(maskAcrossEscapes(line, this.matcher, () => this.owner.countReplacement()));
  }

  /** A small chunk: join it to the kept bytes and work on the copy (masked in place). */
  private pushSmall(chunk: Buffer): Buffer {
    const data = Buffer.concat([this.buf, chunk]);
    const holdFrom = this.matcher.holdFrom(data, this.scanFrom);
    if (holdFrom > this.scanFrom) {
      this.addSpans(this.matcher.spans(data, this.scanFrom, holdFrom - 1));
      this.scanFrom = holdFrom;
    }
    const emitEnd = Math.max(this.base, holdFrom);
    const plan = this.plan(emitEnd);
    const from = this.base;
    this.keep(data, NOTHING, emitEnd);
    return render(data, NOTHING, from, plan);
  }

  /**
   * A chunk at least twice the longest span: scan it where it lies, joining only its first
   * `maxSpan` bytes to the kept ones for the matches that start before it. When nothing is held
   * and nothing matches, the output is the chunk itself, not a copy.
   */
  private pushLarge(chunk: Buffer): Buffer {
    const kept = this.buf;
    const offset = kept.length;
    if (this.scanFrom < offset) {
      const seam = Buffer.concat([kept, chunk.subarray(0, this.matcher.maxSpan)]);
      this.addSpans(this.matcher.spans(seam, this.scanFrom, offset - 1));
    }
    const hold = this.matcher.holdFrom(chunk, 0);
    if (hold > 0) {
      const byteBefore = offset > 0 ? (kept[offset - 1] as number) : -1;
      const found = this.matcher.spans(chunk, 0, hold - 1, byteBefore);
      for (let i = 0; i < found.length; i++) found[i] = (found[i] as number) + offset;
      this.addSpans(found);
    }
    this.scanFrom = offset + hold;
    const emitEnd = offset + hold;
    const plan = this.plan(emitEnd);
    const from = this.base;
    this.keep(kept, chunk, emitEnd);
    return render(kept, chunk, from, plan);
  }

  releaseLine(): Buffer {
    const data = this.buf;
    if (this.ended || this.base >= data.length || data[data.length - 1] !== NEWLINE) return NOTHING;
    this.followMatcher();
    if (this.scanFrom < data.length && !this.matcher.empty) {
      this.addSpans(this.matcher.spans(data, this.scanFrom, data.length - 1));
      this.scanFrom = data.length;
    }
    const from = this.base;
    const plan = this.plan(data.length);
    this.keep(data, NOTHING, data.length);
    return render(data, NOTHING, from, plan);
  }

  end(): Buffer {
    if (this.ended) return NOTHING;
    this.followMatcher();
    const data = this.buf;
    if (this.scanFrom < data.length && !this.matcher.empty) {
      this.addSpans(this.matcher.spans(data, this.scanFrom, data.length - 1));
    }
    const out = render(data, NOTHING, this.base, this.plan(data.length));
    this.ended = true;
    this.buf = NOTHING;
    this.spans = [];
    return out;
  }

  /** After `add()`, examine again every kept byte (context included) with the new patterns. */
  private followMatcher(): void {
    if (this.matcher === this.owner.matcher) return;
    this.matcher = this.owner.matcher;
    this.scanFrom = 0;
    this.spans = [];
  }

  /** Appends spans whose starts all come at or after the known ones, joining where they touch. */
  private addSpans(found: number[]): void {
    const spans = this.spans;
    for (let i = 0; i < found.length; i += 2) {
      const start = found[i] as number;
      const end = found[i + 1] as number;
      const last = spans.length - 1;
      if (last > 0 && start <= (spans[last] as number)) {
        if (end > (spans[last] as number)) spans[last] = end;
      } else {
        spans.push(start, end);
      }
    }
  }

  /**
   * What to emit for [base, emitEnd): copied ranges `from, to` and `-1, -1` for each `***`,
   * with whether it can be written over the input in place (each `***` replaces 3+ bytes).
   */
  private plan(emitEnd: number): Plan {
    const ranges: number[] = [];
    let inPlace = true;
    if (emitEnd <= this.base) return { ranges, inPlace };
    const spans = this.spans;
    let pos = this.base;
    for (let i = 0; i < spans.length; i += 2) {
      const start = Math.max(spans[i] as number, this.base);
      const end = Math.min(spans[i + 1] as number, emitEnd);
      if (start >= emitEnd) break;
      if (end <= pos) continue;
      if (start > pos) {
        ranges.push(pos, start);
        this.lastMasked = false;
      }
      if (!this.lastMasked) {
        ranges.push(-1, -1);
        this.owner.countReplacement();
        if (end - Math.max(start, pos) < STARS.length) inPlace = false;
      }
      this.lastMasked = true;
      pos = end;
    }
    if (pos < emitEnd) {
      ranges.push(pos, emitEnd);
      this.lastMasked = false;
    }
    return { ranges, inPlace };
  }

  /**
   * Keeps the held-back bytes and up to `maxSpan - 1` emitted bytes before them (copied out of
   * `head` + `tail`, the stream's bytes as two parts), re-based.
   */
  private keep(head: Buffer, tail: Buffer, emitEnd: number): void {
    const context = Math.max(1, this.matcher.maxSpan - 1);
    const from = Math.max(0, emitEnd - context);
    this.buf = copyOut(head, tail, from);
    this.base = emitEnd - from;
    this.scanFrom = Math.max(0, this.scanFrom - from);
    const kept: number[] = [];
    for (let i = 0; i < this.spans.length; i += 2) {
      const end = this.spans[i + 1] as number;
      if (end > emitEnd) kept.push(Math.max(0, (this.spans[i] as number) - from), end - from);
    }
    this.spans = kept;
  }
}

/** A copy of the bytes from `from` to the end of `head` + `tail`. */
function copyOut(head: Buffer, tail: Buffer, from: number): Buffer {
  if (from >= head.length) {
    const copy = Buffer.allocUnsafe(tail.length - (from - head.length));
    tail.copy(copy, 0, from - head.length);
    return copy;
  }
  return Buffer.concat([head.subarray(from), tail]);
}

/** Bytes [from, to) of `head` + `tail`: a view when they lie in one part. */
function piece(head: Buffer, tail: Buffer, from: number, to: number): Buffer {
  if (to <= head.length) return head.subarray(from, to);
  if (from >= head.length) return tail.subarray(from - head.length, to - head.length);
  return Buffer.concat([head.subarray(from), tail.subarray(0, to - head.length)]);
}

interface Plan {
  ranges: number[];
  inPlace: boolean;
}

/**
 * The planned output, over the stream's bytes as `head` + `tail`. Masked output is written over
 * `head` itself when it is the stream's own copy and the output fits (the kept bytes were
 * copied out before), so a push allocates at most one buffer.
 */
function render(head: Buffer, tail: Buffer, from: number, { ranges, inPlace }: Plan): Buffer {
  if (ranges.length === 0) return NOTHING;
  if (ranges.length === 2 && ranges[0] !== -1) return piece(head, tail, ranges[0] as number, ranges[1] as number);
  if (!inPlace || tail.length > 0) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < ranges.length; i += 2) {
      pieces.push(ranges[i] === -1 ? STARS : piece(head, tail, ranges[i] as number, ranges[i + 1] as number));
    }
    return Buffer.concat(pieces);
  }
  let write = from;
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i] as number;
    if (start === -1) {
      STARS.copy(head, write);
      write += STARS.length;
    } else {
      const end = ranges[i + 1] as number;
      if (write !== start) head.copyWithin(write, start, end);
      write += end - start;
    }
  }
  return head.subarray(from, write);
}
