/** Resolution counts in the catalog, on both stores: 30-day sums in hits, `popular` on the home, read-filtered. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreCatalog } from '../../src/catalog/store-catalog.js';
import { openStore } from '../../src/open.js';
import type { RegistryStore } from '../../src/store/types.js';
import { cleanup, storeFactories, tempDir } from '../helpers.js';
import { anonymousReader, audit, fakeClock, reader, version } from './fixtures.js';

describe.each(storeFactories)('catalog resolutions on $kind', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let store: RegistryStore;
    let catalog: StoreCatalog;
    let opts: ReturnType<typeof factory.options>;

    beforeEach(async () => {
      opts = factory.options(tempDir());
      store = await openStore(opts);
      catalog = new StoreCatalog(store, fakeClock());
      for (const name of ['pub/a', 'pub/b', 'pub/c', 'secret/hot'])
        await store.publish(version(name, '1.0.0'), audit('publish', name.split('/')[0]));
      // The fake clock's today is 2026-03-10: the last 30 days start on 2026-02-09.
      await store.addResolutions([
        { name: 'pub/a', day: '2026-03-10', count: 3 },
        { name: 'pub/a', day: '2026-02-09', count: 2 },
        { name: 'pub/a', day: '2026-02-08', count: 100 },
        { name: 'pub/b', day: '2026-03-01', count: 9 },
        { name: 'secret/hot', day: '2026-03-10', count: 1000 },
      ]);
      await store.addResolutions([{ name: 'pub/a', day: '2026-03-10', count: 1 }]);
    });
    afterEach(async () => {
      await store.close();
      await cleanup(opts);
    });

    const anyone = anonymousReader(['pub']);

    it('sums the last 30 days into each hit, adding up repeated batches', async () => {
      const { hits } = await catalog.search(anyone, { limit: 10 });
      expect(hits.map((h) => [h.name, h.resolutions30d])).toEqual([
        ['pub/a', 6],
        ['pub/b', 9],
        ['pub/c', 0],
      ]);
    });

    it('lists popular actions by resolutions, only those resolved and readable', async () => {
      expect((await catalog.home(anyone)).popular.map((h) => h.name)).toEqual(['pub/b', 'pub/a']);
      const insider = reader('carol', ['secret'], { publicScopes: ['pub'] });
      expect((await catalog.home(insider)).popular.map((h) => h.name)).toEqual(['secret/hot', 'pub/b', 'pub/a']);
    });

    it('answers an action resolutions over any number of days, only to a reader', async () => {
      expect(await catalog.resolutions(anyone, 'pub/a', 30)).toBe(6);
      expect(await catalog.resolutions(anyone, 'pub/a', 1)).toBe(4);
      expect(await catalog.resolutions(anyone, 'pub/a', 31)).toBe(106);
      expect(await catalog.resolutions(anyone, 'pub/c', 30)).toBe(0);
      await expect(catalog.resolutions(anyone, 'secret/hot', 30)).rejects.toMatchObject({ status: 401 });
      await expect(catalog.resolutions(anyone, 'NOT A NAME', 30)).rejects.toMatchObject({ code: 'invalid-name' });
    });
  });
});
