import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateGuard } from '../../src/tarball/inflate-guard.js';
import { DEFAULT_TARBALL_LIMITS, inspectTarball, TarballError } from '../../src/tarball/index.js';
import { buildTar } from './build-tarball.js';

/** Gzip members concatenate: 64 copies of 16 MB of zeros make 1 GB unpacked from about 1 MB. */
function gigabyteBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 64 }, () => member));
}

describe('gzip bombs', () => {
  it('stops inflating as soon as the unpacked limit is crossed, long before the 1 GB bomb is unpacked', async () => {
    const bomb = gigabyteBomb();
    expect(bomb.length).toBeLessThan(DEFAULT_TARBALL_LIMITS.maxCompressedBytes);
    let inflated = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
    });
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    const err = await pipeline(
      Readable.from([bomb]),
      createGunzip(),
      counter,
      new InflateGuard(() => bomb.length, { ...DEFAULT_TARBALL_LIMITS, maxCompressionRatio: Number.POSITIVE_INFINITY }),
      sink,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('too-large');
    expect((err as TarballError).message).toMatch(/unpacks to more than 50 MB/);
    // The guard trips just past 50 MB plus header allowance; what is in flight then is bounded by stream buffers.
    expect(inflated).toBeLessThan(64 * 1024 * 1024);
  });

  it('inspectTarball trips the ratio guard on the 1 GB bomb after a few MB', async () => {
    const err = await inspectTarball(gigabyteBomb()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('too-large');
    expect((err as TarballError).message).toMatch(/likely gzip bomb/);
  });

  it('inspectTarball refuses a package that is small compressed and huge unpacked', async () => {
    const tar = await buildTar([
      { header: { name: 'action.yml' }, body: 'name: acme/bomb\nversion: 1.0.0\n' },
      { header: { name: 'zeros.bin' }, body: Buffer.alloc(40 * 1024 * 1024) },
    ]);
    const tgz = gzipSync(tar, { level: 9 });
    expect(tgz.length).toBeLessThan(100 * 1024);
    const err = await inspectTarball(tgz).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('too-large');
    expect((err as TarballError).message).toMatch(/inflates more than 200:1/);
  });

  it('the unpacked limit alone stops a bomb when the ratio guard is relaxed', async () => {
    const bomb = gigabyteBomb();
    const err = await inspectTarball(bomb, {
      maxCompressionRatio: Number.POSITIVE_INFINITY,
      maxUnpackedBytes: 2 * 1024 * 1024,
      maxEntries: 10,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('too-large');
  });
});
