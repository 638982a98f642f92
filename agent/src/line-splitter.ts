/**
 * Splits a byte stream into lines of at most `cap` bytes, keeping the newline. A longer line is
 * handed on in pieces as it arrives (`whole: false`), so memory stays bounded by `cap`.
 */
import { HeldBytes } from './held-bytes.js';

export interface LinePiece {
  bytes: Buffer;
  /** The whole line (with its newline, if any) in one piece: safe to parse as a command. */
  whole: boolean;
  /** This piece starts a line. */
  first: boolean;
}

const NEWLINE = 0x0a;

export class LineSplitter {
  private readonly held = new HeldBytes();
  private overlong = false;

  constructor(private readonly cap: number) {}

  /** Whether the next byte continues a line already begun (held, or an overlong line streaming on). */
  get midLine(): boolean {
    return this.held.length > 0 || this.overlong;
  }

  push(chunk: Buffer): LinePiece[] {
    const pieces: LinePiece[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, pos);
      const end = nl < 0 ? chunk.length : nl + 1;
      const segment = chunk.subarray(pos, end);
      pos = end;
      if (this.overlong) {
        pieces.push({ bytes: segment, whole: false, first: false });
        if (nl >= 0) this.overlong = false;
      } else if (this.held.length + segment.length <= this.cap) {
        if (nl >= 0) pieces.push({ bytes: this.held.take(segment), whole: true, first: true });
        else this.held.push(segment);
      } else {
        pieces.push({ bytes: this.held.take(segment), whole: false, first: true });
        this.overlong = nl < 0;
      }
    }
    return pieces;
  }

  /** The start of the line being held, for a look before `flushHeld`. */
  heldStart(): Buffer {
    return this.held.first();
  }

  /**
   * Hands on the partial line held so far (a prompt, a progress bar) as the first piece of a line
   * that will not be parsed; the rest of the line follows as it comes.
   */
  flushHeld(): LinePiece | undefined {
    if (this.held.length === 0) return undefined;
    this.overlong = true;
    return { bytes: this.held.take(), whole: false, first: true };
  }

  /** What is left: a last line without newline. */
  end(): LinePiece[] {
    if (this.held.length === 0) return [];
    return [{ bytes: this.held.take(), whole: true, first: true }];
  }
}

/** A line's text without its trailing `\n` / `\r\n`. */
export function lineText(bytes: Buffer): string {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === NEWLINE) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  return bytes.toString('utf8', 0, end);
}
