/**
 * The log-records body of one `/logs` batch (spec/src/log-records.ts), written into one
 * BatchBuffer as masked output comes: a block of whole lines is copied in as it is, behind a
 * short head, and joins the record before it when that one has the same stream and time.
 */
import { logRecordsHead, type LogEntry } from '@caravan/spec';
import { BatchBuffer } from './batch-buffer.js';

/** Room before the records for `seq N\n`, N any safe integer. */
const HEAD_ROOM = 24;
const NEWLINE = 0x0a;
/** A record's length is written when it is closed, zero-padded to this many digits. */
const LENGTH_DIGITS = 10;

interface OpenRecord {
  stream: LogEntry['stream'];
  ts: number;
  /** Where the record's length digits are. */
  lengthAt: number;
  /** Where its bytes start. */
  dataAt: number;
}

export class LogRecordsBuilder {
  private readonly out: BatchBuffer;
  private open: OpenRecord | undefined;
  /** Blocks and entries in the batch so far. */
  entries = 0;

  /** @param capacity bytes a batch holds before its buffer grows */
  constructor(capacity = 64 * 1024) {
    this.out = new BatchBuffer(HEAD_ROOM, capacity);
  }

  /** Bytes in the batch so far. */
  get bytes(): number {
    return this.out.length;
  }

  /**
   * Whole lines ending with `\n`, or a piece of a line (no `\n`: it is an entry of its own). The
   * bytes are copied: the caller may reuse `block` at once.
   */
  addBlock(stream: LogEntry['stream'], block: Buffer, ts: number): void {
    if (block.length === 0) return;
    const out = this.out;
    const open = this.open;
    // a record goes on only after a newline: a piece ends its record
    const extend = open && open.stream === stream && open.ts === ts && out.buf[out.end - 1] === NEWLINE;
    if (!extend) this.startRecord(stream, ts, block.length);
    else out.reserve(block.length);
    out.end += block.copy(out.buf, out.end);
    this.entries++;
  }

  /** An entry as a line of its own (a text with line breaks becomes one entry per line). */
  add(entry: LogEntry): void {
    this.addBlock(entry.stream, Buffer.from(`${entry.text}\n`), entry.ts);
  }

  /** Several lines of one stream, joined by `\n`. */
  addLines(stream: LogEntry['stream'], lines: string, ts: number): void {
    this.addBlock(stream, Buffer.from(`${lines}\n`), ts);
  }

  /** The batch's body; the builder starts again empty. */
  take(seq: number): Buffer {
    this.closeRecord();
    this.entries = 0;
    return this.out.take(logRecordsHead(seq));
  }

  /** Takes back the memory of a body from `take` once it is sent (see BatchBuffer). */
  recycle(body: Buffer): void {
    this.out.recycle(body);
  }

  private startRecord(stream: LogEntry['stream'], ts: number, bytes: number): void {
    this.closeRecord();
    const head = `${stream} ${Math.trunc(ts)} `;
    const out = this.out;
    out.reserve(head.length + LENGTH_DIGITS + 1 + bytes);
    out.end += out.buf.write(head, out.end, 'latin1');
    const lengthAt = out.end;
    out.end += LENGTH_DIGITS;
    out.buf[out.end++] = NEWLINE;
    this.open = { stream, ts, lengthAt, dataAt: out.end };
  }

  private closeRecord(): void {
    const open = this.open;
    if (!open) return;
    const length = String(this.out.end - open.dataAt).padStart(LENGTH_DIGITS, '0');
    this.out.buf.write(length, open.lengthAt, 'latin1');
    this.open = undefined;
  }
}
