/**
 * Turns a stream's masked bytes into log lines, a chunk at a time: the whole lines of a chunk are
 * decoded as one string (lines joined by `\n`, each without its `\n` or `\r\n`), not one by one.
 * A line still open at the end of a chunk is held up to `cap` bytes; a longer one is handed on
 * in pieces as it arrives, each piece a line of its own, so memory stays bounded.
 */
import { StringDecoder } from 'node:string_decoder';

const NEWLINE = 0x0a;
const CR = 0x0d;

export class MaskedLines {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private overlong = false;
  /** Only for the pieces of a line: a character cut between two pieces is decoded whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly cap: number) {}

  /** The blocks of lines this chunk completes (or pieces of an over-long line), in order. */
  push(chunk: Buffer): string[] {
    const blocks: string[] = [];
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.hold(chunk, blocks);
      return blocks;
    }
    let pos = 0;
    if (this.heldBytes > 0 || this.overlong) {
      pos = chunk.indexOf(NEWLINE) + 1;
      blocks.push(this.finishLine(chunk.subarray(0, pos)));
    }
    if (last + 1 > pos) blocks.push(blockText(chunk, pos, last));
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1), blocks);
    return blocks;
  }

  /** The last line, when the stream did not end with a newline. */
  end(): string[] {
    const held = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    const rest = this.decoder.write(held) + this.decoder.end();
    const open = held.length > 0 || this.overlong;
    this.overlong = false;
    return open && (held.length > 0 || rest !== '') ? [rest] : [];
  }

  private hold(part: Buffer, blocks: string[]): void {
    if (this.overlong) {
      blocks.push(this.decoder.write(part));
    } else if (this.heldBytes + part.length <= this.cap) {
      this.held.push(part);
      this.heldBytes += part.length;
    } else {
      blocks.push(this.decoder.write(this.take(part)));
      this.overlong = true;
    }
  }

  /** The end of the held line, up to and with its newline. */
  private finishLine(part: Buffer): string {
    const bytes = this.overlong ? part : this.take(part);
    this.overlong = false;
    let end = bytes.length - 1;
    if (end > 0 && bytes[end - 1] === CR) end--;
    return this.decoder.write(bytes.subarray(0, end)) + this.decoder.end();
  }

  private take(last: Buffer): Buffer {
    const bytes = this.held.length === 0 ? last : Buffer.concat([...this.held, last]);
    this.held = [];
    this.heldBytes = 0;
    return bytes;
  }
}

/** The lines of `bytes[from, newlineAt]` (ending at that newline) as one text, CRs before newlines dropped. */
function blockText(bytes: Buffer, from: number, newlineAt: number): string {
  const end = newlineAt > from && bytes[newlineAt - 1] === CR ? newlineAt - 1 : newlineAt;
  const text = bytes.toString('utf8', from, end);
  return text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text;
}
