import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobStore } from '../src/blobs.js';
import { tempDir } from './helpers.js';

describe('BlobStore', () => {
  it('stores bytes under their sha256, idempotently', async () => {
    const blobs = new BlobStore(join(tempDir(), 'blobs'));
    const data = Buffer.from('hello');
    const sha = await blobs.put(data);
    expect(sha).toBe(createHash('sha256').update(data).digest('hex'));
    expect(readFileSync(blobs.pathOf(sha)).toString()).toBe('hello');
    expect(await blobs.put(data)).toBe(sha);
    expect(await blobs.has('0'.repeat(64))).toBe(false);
  });

  it('refuses addresses that are not sha256 digests (no path tricks)', () => {
    const blobs = new BlobStore(join(tempDir(), 'blobs'));
    expect(() => blobs.pathOf('../../etc/passwd')).toThrow(/not a sha256/);
  });

  it('sweeps temp files of dead processes on this host, not of live ones', () => {
    const dir = join(tempDir(), 'blobs');
    const blobs = new BlobStore(dir);
    const host = hostname().replace(/[^A-Za-z0-9-]/g, '_');
    const dead = join(dir, 'tmp', `${host}.999999999.abc.1`);
    const live = join(dir, 'tmp', `${host}.${process.ppid}.abc.2`);
    writeFileSync(dead, 'x');
    writeFileSync(live, 'x');
    blobs.sweepTemp();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
