import { existsSync, utimesSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../src/blobs.js';
import { collectGarbage } from '../src/gc.js';
import {
  actionTarball,
  blobFiles,
  json,
  publish,
  startTestRegistry,
  storeFactories,
  type TestRegistry,
} from './helpers.js';

const HOUR = 3_600_000;
let reg: TestRegistry | undefined;
afterEach(async () => {
  await reg?.stop();
  reg = undefined;
});

/** Makes every blob look untouched for two hours. */
function age(blobs: BlobStore, shas: string[]): void {
  const then = new Date(Date.now() - 2 * HOUR);
  for (const sha of shas) utimesSync(blobs.pathOf(sha), then, then);
}

const shaOf = (file: string) => file.split(/[/\\]/)[1]!;

for (const factory of storeFactories) {
  describe.skipIf(!factory.available)(`registry gc (${factory.kind})`, () => {
    it('removes only old blobs of deleted versions; dry runs and young blobs are left alone', async () => {
      reg = await startTestRegistry(factory);
      const t = reg.tokens;
      for (const v of ['1.0.0', '1.1.0'])
        expect((await publish(reg.url, t['alice'], 'acme/tool', v, await actionTarball('acme/tool', v))).status).toBe(
          201,
        );
      const blobs = reg.registry.blobs;
      const [first, second] = (await reg.store.listVersions('acme/tool')).map((v) => v.version);
      const shaOfVersion = async (v: string) => (await reg!.store.getVersion('acme/tool', v))!.sha256;
      const deletedSha = await shaOfVersion(first!);
      const liveSha = await shaOfVersion(second!);
      expect((await json(reg.url, t['alice'], 'DELETE', `/v1/actions/acme/tool/-/versions/${first}`)).status).toBe(204);

      expect(await collectGarbage(reg.store, blobs)).toEqual({ removed: [], young: 1, inUse: 1 });
      age(blobs, [deletedSha, liveSha]);
      const dry = await collectGarbage(reg.store, blobs, { dryRun: true });
      expect(dry.removed.map((b) => b.sha256)).toEqual([deletedSha]);
      expect(existsSync(blobs.pathOf(deletedSha))).toBe(true);

      const real = await collectGarbage(reg.store, blobs);
      expect(real).toEqual({ removed: [{ sha256: deletedSha, size: expect.any(Number) }], young: 0, inUse: 1 });
      expect(blobFiles(reg.dataDir).map(shaOf)).toEqual([liveSha]);
      const download = await fetch(`${reg.url}/v1/actions/acme/tool/-/versions/${second}/tarball`, {
        headers: { authorization: `Bearer ${t['alice']}` },
      });
      expect(download.status).toBe(200);
    });

    it('keeps an old unused blob that a new publish of the same bytes takes up again', async () => {
      reg = await startTestRegistry(factory);
      const t = reg.tokens;
      const bytes = await actionTarball('acme/same', '1.0.0');
      expect((await publish(reg.url, t['alice'], 'acme/same', '1.0.0', bytes)).status).toBe(201);
      const sha = (await reg.store.getVersion('acme/same', '1.0.0'))!.sha256;
      expect((await json(reg.url, t['alice'], 'DELETE', '/v1/actions/acme/same/-/versions/1.0.0')).status).toBe(204);
      age(reg.registry.blobs, [sha]);
      // the same bytes come back under another name: the blob is touched, so it is young again
      expect(await reg.registry.blobs.put(bytes)).toBe(sha);
      expect((await collectGarbage(reg.store, reg.registry.blobs)).removed).toEqual([]);
    });

    it('re-writes a blob that a collection removed while its version was being committed', async () => {
      reg = await startTestRegistry(factory);
      const blobs = reg.registry.blobs;
      const put = blobs.put.bind(blobs);
      let takenOnce = false;
      // a collection that runs right after the blob is written, before the version row commits
      blobs.put = async (data: Buffer) => {
        const sha = await put(data);
        if (!takenOnce) {
          takenOnce = true;
          await blobs.remove(sha);
        }
        return sha;
      };
      const bytes = await actionTarball('acme/racy', '1.0.0');
      expect((await publish(reg.url, reg.tokens['alice'], 'acme/racy', '1.0.0', bytes)).status).toBe(201);
      const sha = (await reg.store.getVersion('acme/racy', '1.0.0'))!.sha256;
      expect(existsSync(blobs.pathOf(sha))).toBe(true);
    });
  });
}
