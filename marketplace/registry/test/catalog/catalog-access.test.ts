/**
 * The catalog answers only with what the reader may read, inside the store's query: on both stores,
 * with many private actions ranked and sorted ahead of the public ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreCatalog } from '../../src/catalog/store-catalog.js';
import { openStore } from '../../src/open.js';
import type { RegistryStore } from '../../src/store/types.js';
import { cleanup, storeFactories, tempDir } from '../helpers.js';
import { anonymousReader, audit, fakeClock, reader, version } from './fixtures.js';

const PRIVATE = 150;
const PUBLIC_SCOPES = ['zz-public', 'caravan'];

describe.each(storeFactories)('catalog read permissions on $kind', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let store: RegistryStore;
    let catalog: StoreCatalog;
    let opts: ReturnType<typeof factory.options>;

    beforeAll(async () => {
      opts = factory.options(tempDir());
      store = await openStore(opts);
      catalog = new StoreCatalog(store, fakeClock());
      // Private scopes sort first by name, and their names match the text better than the public ones.
      for (let i = 0; i < PRIVATE; i++) {
        const scope = i % 3 === 0 ? 'aa-secret' : i % 3 === 1 ? 'aa-secret/payments' : '~bob';
        await store.publish(
          version(`${scope}/deploy-${String(i).padStart(3, '0')}`, '1.0.0', {
            description: 'deploy deploy deploy',
            category: 'deploy',
          }),
          audit('publish', scope),
        );
      }
      await store.publish(version('zz-public/deploy', '1.0.0', { description: 'Deploy', category: 'deploy' }), audit());
      await store.publish(version('zz-public/tools/lint', '1.0.0', { category: 'lint' }), audit());
      await store.publish(version('caravan/deploy-site', '1.0.0', { category: 'deploy' }), audit());
    }, 120_000);
    afterAll(async () => {
      await store.close();
      await cleanup(opts);
    });

    const anyone = anonymousReader(['zz-public']);

    it('pages and counts only public actions for someone without a token', async () => {
      const first = await catalog.search(anyone, { text: 'deploy', limit: 2 });
      expect(first).toMatchObject({ total: 2 });
      expect(first.hits.map((h) => h.name).sort()).toEqual(['caravan/deploy-site', 'zz-public/deploy']);
      const all = await catalog.search(anyone, { limit: 100 });
      expect(all.total).toBe(3);
      expect(all.hits.map((h) => h.name)).toEqual(['caravan/deploy-site', 'zz-public/deploy', 'zz-public/tools/lint']);
      expect((await catalog.search(anyone, { limit: 1, offset: 2 })).hits.map((h) => h.name)).toEqual([
        'zz-public/tools/lint',
      ]);
    });

    it('counts categories and fills home lists with readable actions only', async () => {
      const home = await catalog.home(anyone);
      expect(home.categories).toEqual([
        { category: 'deploy', count: 2 },
        { category: 'lint', count: 1 },
      ]);
      expect(home.recent.every((h) => PUBLIC_SCOPES.some((s) => h.scope.startsWith(s)))).toBe(true);
      expect(home.recent).toHaveLength(3);
    });

    it('shows an org reader the org and its projects, and bob his personal scope', async () => {
      const carol = reader('carol', ['aa-secret'], { publicScopes: ['zz-public'] });
      expect((await catalog.search(carol, { text: 'deploy', limit: 1 })).total).toBe(100 + 2);
      expect((await catalog.home(carol)).categories).toEqual([
        { category: 'deploy', count: 102 },
        { category: 'lint', count: 1 },
      ]);
      const bob = reader('bob', [], { publicScopes: ['zz-public'] });
      expect((await catalog.search(bob, { text: 'deploy', limit: 1 })).total).toBe(50 + 2);
    });

    it("narrows to the token's scopes", async () => {
      const project = reader('carol', ['aa-secret'], {
        publicScopes: ['zz-public'],
        tokenScopes: ['aa-secret/payments'],
      });
      const page = await catalog.search(project, { limit: 100 });
      expect(page.total).toBe(50);
      expect(page.hits.every((h) => h.scope === 'aa-secret/payments')).toBe(true);
      const admin = reader('root', [], { admin: true, tokenScopes: ['~bob'] });
      expect((await catalog.search(admin, { limit: 1 })).total).toBe(50);
      expect((await catalog.search(reader('root', [], { admin: true }), { limit: 1 })).total).toBe(PRIVATE + 3);
      const elsewhere = reader('carol', ['aa-secret'], { tokenScopes: ['other'] });
      expect(await catalog.search(elsewhere, { limit: 10 })).toEqual({ hits: [], total: 0 });
    });

    it('lists one exact scope, and answers 404 for a scope the reader cannot read or that is empty', async () => {
      const carol = reader('carol', ['aa-secret']);
      const org = await catalog.scopeActions(carol, 'aa-secret');
      expect(org).toHaveLength(50);
      expect(org.every((h) => h.scope === 'aa-secret' && h.scopeKind === 'enterprise')).toBe(true);
      expect((await catalog.scopeActions(carol, 'aa-secret/payments'))[0]?.scopeKind).toBe('project');
      expect((await catalog.scopeActions(reader('bob', []), '~bob'))[0]?.scopeKind).toBe('personal');
      await expect(catalog.scopeActions(anyone, 'aa-secret')).rejects.toMatchObject({ status: 404, code: 'not-found' });
      await expect(catalog.scopeActions(anyone, '~bob')).rejects.toMatchObject({ status: 404 });
      await expect(catalog.scopeActions(carol, 'nobody-here')).rejects.toMatchObject({ status: 404 });
      await expect(catalog.scopeActions(carol, 'bad scope!')).rejects.toMatchObject({ code: 'invalid-scope' });
    });
  });
});
