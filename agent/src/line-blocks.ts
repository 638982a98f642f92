/**
 * Cuts a stream's masked bytes into blocks at line ends, a chunk at a time, with no copy of whole
 * lines: each block is either whole lines (ending with `\n`) or a piece of a line longer than
 * `cap` bytes (no `\n`), which is a line of its own downstream. A line still open at the end of a
 * chunk is held up to `cap` bytes; a piece never ends inside a UTF-8 character, so each block
 * decodes on its own. `end()` gives the last line when the stream ended without a newline.
 */
import { HeldBytes } from './held-bytes.js';

const NEWLINE = 0x0a;
const CR = 0x0d;

export class LineBlocks {
  private readonly held = new HeldBytes();
  /** The held line grew past the cap: it goes on in pieces until its newline. */
  private overlong = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): Buffer[] {
    const blocks: Buffer[] = [];
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.hold(chunk, blocks);
      return blocks;
    }
    let pos = 0;
    if (this.held.length > 0 || this.overlong) {
      pos = chunk.indexOf(NEWLINE) + 1;
      blocks.push(this.held.take(chunk.subarray(0, pos)));
      this.overlong = false;
    }
    if (last + 1 > pos) blocks.push(chunk.subarray(pos, last + 1));
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1), blocks);
    return blocks;
  }

  end(): Buffer[] {
    const rest = this.held.take();
    this.overlong = false;
    return rest.length > 0 ? [rest] : [];
  }

  private hold(part: Buffer, blocks: Buffer[]): void {
    if (!this.overlong && this.held.length + part.length <= this.cap) {
      this.held.push(part);
      return;
    }
    const bytes = this.held.take(part);
    const cut = wholeCharsEnd(bytes);
    if (cut > 0) blocks.push(bytes.subarray(0, cut));
    if (cut < bytes.length) this.held.push(bytes.subarray(cut));
    this.overlong = true;
  }
}

/** Where `bytes` can be cut so that no UTF-8 character is split: before a last character that is not complete. */
export function wholeCharsEnd(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  let start = bytes.length - 1;
  while (start > 0 && bytes.length - start < 4 && (bytes[start]! & 0xc0) === 0x80) start--;
  const lead = bytes[start]!;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + size > bytes.length ? start : bytes.length;
}

/** A block's lines as one text, joined by `\n`, CRs before newlines dropped; a piece as it is. */
export function blockText(block: Buffer): string {
  let end = block.length;
  if (block[end - 1] !== NEWLINE) return block.toString('utf8');
  end--;
  if (end > 0 && block[end - 1] === CR) end--;
  const text = block.toString('utf8', 0, end);
  return text.includes('\r\n') ? text.replaceAll('\r\n', '\n') : text;
}
