/**
 * A hardlink bomb: one file and many hardlinks to it. Unpacked as copies, its entries add up to
 * far more than the unpacked limit although the upload is small. Inspection and every extraction
 * refuse it before writing anything. (Publishing over HTTP: server-publish.test.ts.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client/index.js';
import { DEFAULT_TARBALL_LIMITS, extractTarball, inspectTarball, TarballError } from '../../src/tarball/index.js';
import { startStandIn, type StandIn } from '../client/stand-in-registry.js';
import { packageWith, type RawEntry } from './build-tarball.js';

const MB = 1024 * 1024;
/** 1 MB of incompressible data and 60 hardlinks to it: 61 MB of entries, over the 50 MB limit. */
const LINKS = 60;

async function hardlinkBomb(): Promise<Buffer> {
  const links: RawEntry[] = Array.from({ length: LINKS }, (_, i) => ({
    header: { name: `copies/${i}.bin`, type: 'link', linkname: 'payload.bin' },
  }));
  return packageWith({ header: { name: 'payload.bin' }, body: randomBytes(MB) }, ...links);
}

/** Bytes of every file under `dir` (0 when it does not exist). */
async function bytesUnder(dir: string): Promise<number> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  let total = 0;
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) total += info.size;
  }
  return total;
}

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'caravan-bomb-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('a hardlink bomb', () => {
  it('is small to upload but adds up to more than the unpacked limit', async () => {
    const bomb = await hardlinkBomb();
    expect(bomb.length).toBeLessThan(DEFAULT_TARBALL_LIMITS.maxCompressedBytes);
    expect((LINKS + 1) * MB).toBeGreaterThan(DEFAULT_TARBALL_LIMITS.maxUnpackedBytes);
  });

  it('is refused by inspection with unsupported-entry at the first link', async () => {
    const err = await inspectTarball(await hardlinkBomb()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('unsupported-entry');
    expect((err as TarballError).entry).toBe('copies/0.bin');
    expect((err as TarballError).message).toMatch(/is a hardlink/);
  });

  it('is refused by extraction, which writes nothing', async () => {
    const dest = join(home, 'pkg');
    const err = await extractTarball(await hardlinkBomb(), dest).catch((e: unknown) => e);
    expect((err as TarballError).code).toBe('unsupported-entry');
    expect(await readdir(home)).toEqual([]);
  });

  describe('served by a compromised registry to the client', () => {
    let server: StandIn;
    let client: RegistryClient;
    beforeEach(async () => {
      server = await startStandIn();
      client = new RegistryClient({ url: server.url, token: 'good-token', cacheDir: join(home, 'cache') });
    });
    afterEach(async () => {
      await client.close();
      await server.stop();
    });

    it('fetchAction refuses it and writes nothing into the action cache', async () => {
      const bomb = await hardlinkBomb();
      const integrity = `sha512-${createHash('sha512').update(bomb).digest('base64')}`;
      server.versions.set('acme/lint', new Map([['1.0.0', { tarball: bomb, integrity }]]));
      const err = await client.fetchAction('acme/lint', '1.0.0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TarballError);
      expect((err as TarballError).code).toBe('unsupported-entry');
      expect(await bytesUnder(join(home, 'cache', 'actions'))).toBe(0);
      expect(await readdir(join(home, 'cache', 'actions')).catch(() => [])).toEqual([]);
    });
  });
});
