import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobStore, BlobTooLargeError } from '../src/blobs.js';
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

  it('stores a stream within a size limit, and keeps nothing of one over it', async () => {
    const blobs = new BlobStore(join(tempDir(), 'blobs'));
    const { sha256, size } = await blobs.putStream(Readable.from([Buffer.from('step '), Buffer.from('file')]), 9);
    expect(size).toBe(9);
    expect(sha256).toBe(createHash('sha256').update('step file').digest('hex'));
    const chunks: Buffer[] = [];
    for await (const c of blobs.read(sha256)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('step file');
    await expect(blobs.putStream(Readable.from([Buffer.alloc(10)]), 9)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(readdirSync(join(blobs.dir, 'tmp'))).toEqual([]);
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
