/**
 * Content-addressed blobs under `$CARAVAN_HOME/blobs/<aa>/<sha256>`: written to a temporary file
 * while hashing, then renamed into place, so a reader never sees a partial blob and two writers of
 * the same content end with the same bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class BlobTooLargeError extends Error {}

/** What a step's inputs read: a stored blob by its address. */
export interface BlobSource {
  read(sha256: string): Readable;
}

export class BlobStore implements BlobSource {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`invalid blob address "${sha256}"`);
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  /** Stores a stream; rejects (storing nothing) when it is longer than `maxBytes`. */
  async put(input: Readable, maxBytes = Number.POSITIVE_INFINITY): Promise<{ sha256: string; size: number }> {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) return cb(new BlobTooLargeError(`blob larger than ${maxBytes} bytes`));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(input, counter, createWriteStream(tmp, { mode: 0o600 }));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    const dest = this.pathOf(sha256);
    mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    renameSync(tmp, dest);
    return { sha256, size };
  }

  read(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }
}
