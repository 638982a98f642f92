import type { ByteMaskStream } from './mask/types.js';
import { LineSplitter, lineText, type LinePiece } from './line-splitter.js';
import { blockText, LineBlocks } from './line-blocks.js';
import { PlainLineScanner } from './plain-lines.js';
import type { Sink } from './sink.js';

/** Lines up to this many bytes are parsed for commands (a 1 MB output value fits, with its name). */
export const COMMAND_LINE_CAP = 1024 * 1024 + 64 * 1024;
const ESC = 0x1b;
const NEWLINE = 0x0a;
/** Log entries carry at most this many bytes; a longer line becomes several entries. */
export const LOG_LINE_CAP = 64 * 1024;

export interface PumpHooks {
  /** Parses a whole raw line; returns the bytes to emit instead of it, or undefined to keep it. */
  onLine?(text: string): Buffer | undefined;
  /** Counts whole lines that hold no command (see PlainLineScanner): `onLine` was not called for them. */
  onPlainLines?(count: number): void;
  /** The start of a line too long to parse; returns true to drop the whole line. */
  onOverlongLine?(start: string): boolean;
  /**
   * Masked lines, several at a time: joined by `\n`, each without its newline (a piece of a long
   * line counts as a line).
   */
  onMaskedLines?(lines: string): void | Promise<void>;
  /**
   * Masked output as bytes, instead of `onMaskedLines`: whole lines ending with `\n`, or a piece of
   * a long line (or the stream's unterminated last line) without one. The buffer is only lent.
   */
  onMaskedBlock?(block: Buffer): void | Promise<void>;
}

/**
 * One output stream of the action: raw bytes → (stdout: command lines) → masker → sink, and the
 * masked bytes split again into lines for logs and the stderr excerpt.
 */
export class StreamPump {
  private readonly raw: LineSplitter | undefined;
  private readonly masked: LineBlocks | undefined;
  private dropping = false;
  /** No bytes were pushed since the last `flushPartial`. */
  private quiet = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly masker: ByteMaskStream,
    private readonly sink: Sink,
    private readonly hooks: PumpHooks,
  ) {
    this.raw = hooks.onLine ? new LineSplitter(COMMAND_LINE_CAP) : undefined;
    this.masked = hooks.onMaskedBlock || hooks.onMaskedLines ? new LineBlocks(LOG_LINE_CAP) : undefined;
  }

  async push(chunk: Buffer): Promise<void> {
    this.quiet = false;
    if (!this.raw) return this.emit(this.masker.push(chunk));
    await this.emitAll(this.maskChunk(this.raw, chunk));
  }

  /**
   * The line begun before this chunk and the one left open at its end go through the splitter; the
   * whole lines between are scanned in place, and runs of plain lines are masked as one piece.
   */
  private maskChunk(raw: LineSplitter, chunk: Buffer): Buffer[] {
    let pos = 0;
    if (raw.midLine) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) return [this.maskPieces(raw.push(chunk))];
      pos = nl + 1;
    }
    const out: Buffer[] = pos > 0 ? [this.maskPieces(raw.push(chunk.subarray(0, pos)))] : [];
    const last = chunk.lastIndexOf(NEWLINE) + 1;
    if (last > pos) {
      const scanner = new PlainLineScanner(chunk, pos, last, COMMAND_LINE_CAP);
      for (let start = scanner.next(); ; start = scanner.next()) {
        const runEnd = start < 0 ? last : start;
        if (runEnd > pos) {
          this.hooks.onPlainLines?.(scanner.plainLines);
          out.push(this.masker.push(chunk.subarray(pos, runEnd)));
        }
        if (start < 0) break;
        out.push(this.maskPieces(raw.push(chunk.subarray(start, scanner.lineEnd))));
        pos = scanner.lineEnd;
      }
      pos = last;
    }
    if (pos < chunk.length) out.push(this.maskPieces(raw.push(chunk.subarray(pos))));
    return out;
  }

  /**
   * Lets a partial stdout line out (a prompt or progress without newline) instead of holding it
   * until its newline; the line is then not parsed. A line that may still become a command is kept.
   */
  async flushPartial(): Promise<void> {
    // Nothing came since the last tick: a whole line the masker holds back goes out now.
    if (this.quiet) await this.emit(this.masker.releaseLine());
    this.quiet = true;
    if (!this.raw) return;
    const start = this.raw.heldStart().toString('utf8', 0, 16).trimStart();
    if (start === '' || start.startsWith(':') || 'action meta: '.startsWith(start) || start.startsWith('action meta: '))
      return;
    const piece = this.raw.flushHeld();
    if (piece) await this.emit(this.maskPieces([piece]));
  }

  async end(): Promise<void> {
    const tail = this.raw ? this.maskPieces(this.raw.end()) : Buffer.alloc(0);
    await this.emit(Buffer.concat([tail, this.masker.end()]));
    if (this.masked) await this.lines(this.masked.end());
  }

  private maskPieces(pieces: LinePiece[]): Buffer {
    const out: Buffer[] = [];
    for (const piece of pieces) {
      if (piece.whole) {
        // a whole line: its command (if any) decides what is shown; escape sequences inside a secret are seen
        // through (looked for in the text already decoded: cheaper than a Buffer search per line)
        const text = lineText(piece.bytes);
        const instead = this.hooks.onLine!(text);
        const bytes = instead ?? piece.bytes;
        out.push(
          (instead ? instead.includes(ESC) : text.includes('\u001b'))
            ? this.masker.pushLine(bytes)
            : this.masker.push(bytes),
        );
        continue;
      }
      if (piece.first) {
        this.dropping = this.hooks.onOverlongLine?.(piece.bytes.toString('utf8', 0, 256)) ?? false;
      }
      if (this.dropping) {
        if (piece.bytes[piece.bytes.length - 1] === 0x0a) this.dropping = false;
        continue;
      }
      out.push(this.masker.push(piece.bytes));
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /**
   * The masked pieces of a chunk, each written as it is: joining them would copy the whole chunk
   * for the sake of a line's end before it and the start of one after it.
   */
  private emitAll(pieces: Buffer[]): Promise<void> {
    let done = this.tail;
    for (const piece of pieces) done = this.emit(piece);
    return done;
  }

  /** Emits in call order, also when a flush comes from a timer while a push is writing. */
  private emit(masked: Buffer): Promise<void> {
    if (masked.length === 0) return this.tail;
    this.tail = this.tail.then(async () => {
      await this.sink.write(masked);
      if (this.masked) await this.lines(this.masked.push(masked));
    });
    return this.tail;
  }

  private async lines(blocks: Buffer[]): Promise<void> {
    const { onMaskedBlock, onMaskedLines } = this.hooks;
    for (const block of blocks) await (onMaskedBlock ? onMaskedBlock(block) : onMaskedLines!(blockText(block)));
  }
}
