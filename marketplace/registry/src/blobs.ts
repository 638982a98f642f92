/**
 * Tarballs on disk, content-addressed by sha256: `blobs/ab/abcdef…`. A blob is written to a temp
 * file, fsynced and renamed into place before any database row points at it, so a crash leaves at
 * worst an orphan blob (harmless) and never a row without its bytes. Two writers of the same
 * content rename identical bytes onto one path, which is also harmless.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './process-alive.js';

export class BlobTooLargeError extends Error {}

export class BlobStore {
  private readonly tmpDir: string;
  /** Blobs a collection has taken but may still give back (see gc.ts). */
  readonly trashDir: string;

  constructor(readonly dir: string) {
    this.tmpDir = join(dir, 'tmp');
    this.trashDir = join(dir, 'trash');
    mkdirSync(this.tmpDir, { recursive: true });
    mkdirSync(this.trashDir, { recursive: true });
  }

  /**
   * Removes temp files a killed process left behind; call once at start-up. Several processes may
   * share the folder, so only files of dead processes on this host, or older than an hour, go.
   */
  sweepTemp(): void {
    for (const f of readdirSync(this.tmpDir)) {
      const path = join(this.tmpDir, f);
      if (leftBehind(f, path)) rmSync(path, { force: true });
    }
  }

  /**
   * Moves a blob aside into the trash (readers still find it there); returns where it went, or
   * undefined when it was not there. `restore` puts it back, `purge` removes it for good.
   */
  async trash(sha256: string): Promise<string | undefined> {
    const dest = join(this.trashDir, `${processTag()}.${sha256}.${randomBytes(6).toString('hex')}`);
    try {
      await rename(this.pathOf(sha256), dest);
      return dest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Gives a trashed blob back; if its address was written again meanwhile, the copy just goes. */
  async restore(trashed: string, sha256: string): Promise<void> {
    if (await this.has(sha256)) return this.purge(trashed);
    await rename(trashed, this.pathOf(sha256));
  }

  async purge(trashed: string): Promise<void> {
    await rm(trashed, { force: true });
  }

  /** Trash entries a killed collection left behind (of dead processes on this host, or over an hour old). */
  async *abandonedTrash(): AsyncIterable<{ path: string; sha256: string }> {
    for (const f of await readdir(this.trashDir)) {
      const sha256 = f.split('.')[2] ?? '';
      const path = join(this.trashDir, f);
      if (/^[0-9a-f]{64}$/.test(sha256) && leftBehind(f, path)) yield { path, sha256 };
    }
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256.slice(0, 80)}`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** Writes the bytes under their sha256 (computed here, not trusted from the caller). */
  async put(data: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const dest = this.pathOf(sha256);
    if (await this.has(sha256)) {
      // the blob is in use again: a fresh time keeps the garbage collector's grace period off it
      const now = new Date();
      await utimes(dest, now, now).catch(() => undefined);
      if (await this.has(sha256)) return sha256;
    }
    const tmp = join(this.tmpDir, `${processTag()}.${sha256}.${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await this.syncDir(join(this.dir, sha256.slice(0, 2)));
    return sha256;
  }

  /**
   * Stores a stream under its sha256 (the engine's step files), within `maxBytes`: past it the
   * write stops, nothing is kept, and the promise rejects with BlobTooLargeError.
   */
  async putStream(input: Readable, maxBytes = Number.POSITIVE_INFINITY): Promise<{ sha256: string; size: number }> {
    const tmp = join(this.tmpDir, `${processTag()}.stream.${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new BlobTooLargeError(`blob larger than ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(input, counter, createWriteStream(tmp, { mode: 0o600 }));
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const sha256 = hash.digest('hex');
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      await rename(tmp, this.pathOf(sha256));
      await this.syncDir(join(this.dir, sha256.slice(0, 2)));
      return { sha256, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** A blob's bytes as a stream. */
  read(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  /** Every blob with its size and last write (or reuse) time. */
  async *list(): AsyncIterable<{ sha256: string; size: number; mtimeMs: number }> {
    for (const prefix of (await readdir(this.dir)).filter((d) => /^[0-9a-f]{2}$/.test(d)).sort()) {
      for (const name of (await readdir(join(this.dir, prefix))).filter((f) => /^[0-9a-f]{64}$/.test(f)).sort()) {
        try {
          const info = await stat(join(this.dir, prefix, name));
          if (info.isFile()) yield { sha256: name, size: info.size, mtimeMs: info.mtimeMs };
        } catch {
          // removed meanwhile
        }
      }
    }
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  /** The blob's bytes; found in the trash too while a collection is deciding whether it goes. */
  async get(sha256: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      for (const f of await readdir(this.trashDir)) {
        if (f.split('.')[2] !== sha256) continue;
        try {
          return await readFile(join(this.trashDir, f));
        } catch {
          // purged or restored meanwhile: look at its address again below
        }
      }
      return readFile(this.pathOf(sha256));
    }
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/** `host.pid`: names temp and trash files so a later start knows whose they were. */
function processTag(): string {
  return `${hostname().replace(/[^A-Za-z0-9-]/g, '_')}.${process.pid}`;
}

/** A temp or trash file of a dead process on this host, or over an hour old. */
function leftBehind(name: string, path: string): boolean {
  const [fileHost, pid] = name.split('.');
  const host = hostname().replace(/[^A-Za-z0-9-]/g, '_');
  if (fileHost === host && pid !== undefined && !isAlive(Number(pid))) return true;
  try {
    return Date.now() - statSync(path).mtimeMs > 3_600_000;
  } catch {
    return false;
  }
}
