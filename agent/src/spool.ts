import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SpooledRequest {
  route: string;
  body: string;
}

/**
 * A bounded on-disk queue of requests the engine could not take yet, oldest first. Past
 * `maxBytes` new requests are refused (and counted), so a dead engine cannot fill the disk.
 */
export class Spool {
  private fd: number | undefined;
  private readonly records: Array<{ offset: number; length: number }> = [];
  private writeOffset = 0;
  private head = 0;
  private bytes = 0;
  refused = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.records.length - this.head;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  append(request: SpooledRequest): boolean {
    const data = Buffer.from(`${JSON.stringify(request)}\n`);
    if (this.bytes + data.length > this.maxBytes) {
      this.refused++;
      return false;
    }
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.fd = openSync(join(this.dir, 'spool.jsonl'), 'w+', 0o600);
    }
    writeSync(this.fd, data, 0, data.length, this.writeOffset);
    this.records.push({ offset: this.writeOffset, length: data.length });
    this.writeOffset += data.length;
    this.bytes += data.length;
    return true;
  }

  peek(): SpooledRequest | undefined {
    const record = this.records[this.head];
    if (!record || this.fd === undefined) return undefined;
    const data = Buffer.alloc(record.length);
    readSync(this.fd, data, 0, record.length, record.offset);
    return JSON.parse(data.toString('utf8')) as SpooledRequest;
  }

  shift(): void {
    const record = this.records[this.head];
    if (!record) return;
    this.head++;
    this.bytes -= record.length;
    if (this.size === 0) this.reset();
  }

  /** Closes the file; removes it when everything was delivered. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.size === 0) rmSync(this.dir, { recursive: true, force: true });
  }

  private reset(): void {
    this.records.length = 0;
    this.head = 0;
    this.writeOffset = 0;
    this.bytes = 0;
  }
}
