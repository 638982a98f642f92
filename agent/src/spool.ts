import { closeSync, createWriteStream, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A request kept for later: a JSON body inline, another body (log records) inline as base64 with
 * its content type, or a file body (a declared file's tar) beside the queue.
 */
export type SpooledRequest =
  | { route: string; body: string }
  | { route: string; body64: string; type: string }
  | { route: string; bodyFile: string };

/** What the agent spools at most (its queue and file bodies together): the engine reads no more of it. */
export const SPOOL_MAX_BYTES = 64 * 1024 * 1024;

/** The queue's file inside the spool folder: the engine reads it back after a crash (see docs/engine.md). */
export const SPOOL_FILE = 'spool.jsonl';

/**
 * A bounded on-disk queue of requests the engine could not take yet, oldest first. Past
 * `maxBytes` new requests are refused (and counted), so a dead engine cannot fill the disk.
 */
export class Spool {
  private fd: number | undefined;
  private readonly records: Array<{ offset: number; length: number; bodyFile?: string; bodyBytes: number }> = [];
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

  append(request: SpooledRequest, bodyBytes = 0): boolean {
    const data = Buffer.from(`${JSON.stringify(request)}\n`);
    if (this.bytes + data.length + bodyBytes > this.maxBytes) {
      this.refused++;
      return false;
    }
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.fd = openSync(join(this.dir, SPOOL_FILE), 'w+', 0o600);
    }
    writeSync(this.fd, data, 0, data.length, this.writeOffset);
    const bodyFile = 'bodyFile' in request ? request.bodyFile : undefined;
    this.records.push({ offset: this.writeOffset, length: data.length, bodyBytes, ...(bodyFile ? { bodyFile } : {}) });
    this.writeOffset += data.length;
    this.bytes += data.length + bodyBytes;
    return true;
  }

  /**
   * Writes a file body into the spool folder, within the same byte budget, then queues its
   * request. False (nothing kept) past the budget or when the body cannot be read.
   */
  async appendFile(route: string, body: () => Promise<Readable>): Promise<boolean> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const name = `body-${this.records.length + this.head + 1}-${Date.now()}.bin`;
    const path = join(this.dir, name);
    let written = 0;
    const budget = this.maxBytes - this.bytes;
    try {
      await pipeline(
        await body(),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            written += chunk.length;
            if (written > budget) throw new Error('over the spool budget');
            yield chunk;
          }
        },
        createWriteStream(path, { mode: 0o600 }),
      );
    } catch {
      rmSync(path, { force: true });
      this.refused++;
      return false;
    }
    if (this.append({ route, bodyFile: name }, written)) return true;
    rmSync(path, { force: true });
    return false;
  }

  peek(): SpooledRequest | undefined {
    const record = this.records[this.head];
    if (!record || this.fd === undefined) return undefined;
    const data = Buffer.alloc(record.length);
    readSync(this.fd, data, 0, record.length, record.offset);
    return JSON.parse(data.toString('utf8')) as SpooledRequest;
  }

  /** Where a spooled file body lies. */
  pathOf(bodyFile: string): string {
    return join(this.dir, bodyFile);
  }

  shift(): void {
    const record = this.records[this.head];
    if (!record) return;
    this.head++;
    this.bytes -= record.length + record.bodyBytes;
    if (record.bodyFile) rmSync(join(this.dir, record.bodyFile), { force: true });
    if (this.size === 0) this.reset();
  }

  /** Closes the file; removes it when everything was delivered. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.size === 0) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Everything was delivered: the file starts again empty, so nothing delivered is ever read back. */
  private reset(): void {
    if (this.fd !== undefined) ftruncateSync(this.fd, 0);
    this.records.length = 0;
    this.head = 0;
    this.writeOffset = 0;
    this.bytes = 0;
  }
}
