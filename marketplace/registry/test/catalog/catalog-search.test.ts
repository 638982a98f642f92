/** The catalog's full-text search, one suite on both stores (SQLite FTS5, PostgreSQL tsvector). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreCatalog } from '../../src/catalog/store-catalog.js';
import { RegistryError } from '../../src/errors.js';
import { openStore } from '../../src/open.js';
import type { RegistryStore } from '../../src/store/types.js';
import { cleanup, storeFactories, tempDir } from '../helpers.js';
import { anonymousReader, audit, fakeClock, version } from './fixtures.js';

const everyone = anonymousReader(['acme', 'tools', '~alice']);

describe.each(storeFactories)('catalog search on $kind', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let store: RegistryStore;
    let catalog: StoreCatalog;
    let opts: ReturnType<typeof factory.options>;

    beforeEach(async () => {
      opts = factory.options(tempDir());
      store = await openStore(opts);
      catalog = new StoreCatalog(store, fakeClock());
      const spec = (inputs: string[]) =>
        JSON.stringify({ inputs: Object.fromEntries(inputs.map((i) => [i, { type: 'string' }])) });
      await store.publish(
        version('acme/git-checkout', '1.0.0', {
          description: 'Clone a repository',
          category: 'source',
          spec: spec(['ref', 'fetch_depth']),
        }),
        audit(),
      );
      await store.publish(
        version('acme/payments/deploy', '2.0.0', { description: 'Deploy payments with git tags', category: 'deploy' }),
        audit(),
      );
      await store.publish(
        version('tools/notify', '1.0.0', {
          description: 'Send a message',
          readme: '# Notify\n\nPosts to Slack and Grüße to Matrix. Also mentions kubernetes.',
          category: 'notify',
          spec: spec(['webhook_url', 'channel']),
        }),
        audit('publish', 'tools'),
      );
      await store.publish(
        version('~alice/lint', '0.1.0', { description: 'Personal linter' }),
        audit('publish', '~alice'),
      );
    });
    afterEach(async () => {
      await store.close();
      await cleanup(opts);
    });

    const names = async (text: string, extra: { category?: string; scope?: string } = {}) =>
      (await catalog.search(everyone, { text, limit: 20, ...extra })).hits.map((h) => h.name);

    it('finds by name, description, README and input names, prefix-matching every word', async () => {
      expect(await names('checkout')).toEqual(['acme/git-checkout']);
      expect(await names('chec')).toEqual(['acme/git-checkout']);
      expect(await names('Repos')).toEqual(['acme/git-checkout']);
      expect(await names('kubern')).toEqual(['tools/notify']);
      expect(await names('webhook')).toEqual(['tools/notify']);
      expect(await names('fetch dep')).toEqual(['acme/git-checkout']);
      expect(await names('git clone')).toEqual(['acme/git-checkout']);
      expect(await names('git nothing-like-this')).toEqual([]);
      expect(await names('grüße')).toEqual(['tools/notify']);
    });

    it('ranks a name match before a description match', async () => {
      expect(await names('git')).toEqual(['acme/git-checkout', 'acme/payments/deploy']);
      expect(await names('deploy')).toEqual(['acme/payments/deploy']);
    });

    it('filters by category and by scope (an org covers its projects), and lists by name without text', async () => {
      expect(await names('', { category: 'deploy' })).toEqual(['acme/payments/deploy']);
      expect(await names('', { scope: 'acme' })).toEqual(['acme/git-checkout', 'acme/payments/deploy']);
      expect(await names('', { scope: 'acme/payments' })).toEqual(['acme/payments/deploy']);
      expect(await names('git', { scope: 'tools' })).toEqual([]);
      expect(await names('', { category: 'no-such-category' })).toEqual([]);
      expect(await names('')).toEqual(['acme/git-checkout', 'acme/payments/deploy', 'tools/notify', '~alice/lint']);
    });

    it('describes each hit: latest version, scope kind, deprecation, publish date', async () => {
      await store.publish(version('acme/git-checkout', '1.1.0', { description: 'Clone faster' }), audit());
      await store.changeVersion('acme/git-checkout', '1.1.0', { deprecated: 'use acme/clone' }, audit('deprecate'));
      const { hits, total } = await catalog.search(everyone, { limit: 20 });
      expect(total).toBe(4);
      expect(hits.find((h) => h.name === 'acme/git-checkout')).toEqual({
        name: 'acme/git-checkout',
        version: '1.1.0',
        description: 'Clone faster',
        scope: 'acme',
        scopeKind: 'enterprise',
        deprecated: 'use acme/clone',
        publishedAt: '2026-03-10T12:00:00.000Z',
        resolutions30d: 0,
      });
      expect(hits.map((h) => h.scopeKind)).toEqual(['enterprise', 'project', 'enterprise', 'personal']);
    });

    it('follows latest through publish, yank, dist-tags and delete in the same transaction', async () => {
      await store.publish(version('acme/git-checkout', '2.0.0', { description: 'Mirror a repository' }), audit());
      expect(await names('mirror')).toEqual(['acme/git-checkout']);
      expect(await names('clone')).toEqual([]);
      await store.changeVersion('acme/git-checkout', '2.0.0', { yanked: true }, audit('yank'));
      expect(await names('clone')).toEqual(['acme/git-checkout']);
      await store.changeVersion('acme/git-checkout', '2.0.0', { yanked: false }, audit('unyank'));
      await store.setDistTag('acme/git-checkout', 'latest', '1.0.0', audit('dist-tag'));
      expect(await names('clone')).toEqual(['acme/git-checkout']);
      await store.changeVersion('acme/git-checkout', '1.0.0', { delete: true }, audit('delete'));
      expect(await names('mirror')).toEqual(['acme/git-checkout']);
      await store.changeVersion('acme/git-checkout', '2.0.0', { delete: true }, audit('delete'));
      expect(await names('git')).toEqual(['acme/payments/deploy']);
    });

    it.each([
      '"',
      '*',
      ':',
      '(',
      ')',
      'NEAR',
      'git AND',
      'git OR deploy',
      'NOT git',
      "'",
      '\\',
      '%',
      '_',
      'git"*',
      "git' & !:* |",
      'words : git',
      '{words}:git',
      '^git',
      '-git',
      '+',
      "'; DROP TABLE catalog; --",
      '\u0000',
      '🚀 emoji',
      '日本語',
      '   ',
      '',
    ])('takes any text as words, never as syntax: %j', async (text) => {
      const page = await catalog.search(everyone, { text, limit: 5 });
      expect(page.total).toBe(page.hits.length);
      expect(await names('git')).toHaveLength(2);
    });

    it('finds git whatever punctuation surrounds it', async () => {
      expect(await names('"git"*')).toEqual(['acme/git-checkout', 'acme/payments/deploy']);
      expect(await names('(git) AND')).toEqual([]);
    });

    it('refuses a search text over 200 characters or 12 words with 400 query-too-long', async () => {
      for (const text of ['a'.repeat(201), Array.from({ length: 13 }, (_, i) => `w${i}`).join(' ')]) {
        const err = await catalog.search(everyone, { text, limit: 5 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect(err).toMatchObject({ status: 400, code: 'query-too-long' });
      }
      await expect(catalog.search(everyone, { text: 'a'.repeat(200), limit: 5 })).resolves.toEqual({
        hits: [],
        total: 0,
      });
    });

    it('bounds paging and refuses a malformed scope', async () => {
      const page = await catalog.search(everyone, { limit: 1000, offset: -5 });
      expect(page.hits).toHaveLength(4);
      expect((await catalog.search(everyone, { limit: 2, offset: 2 })).hits.map((h) => h.name)).toEqual([
        'tools/notify',
        '~alice/lint',
      ]);
      expect(await catalog.search(everyone, { limit: 2, offset: 99_999 })).toEqual({ hits: [], total: 4 });
      await expect(catalog.search(everyone, { scope: '../etc', limit: 5 })).rejects.toMatchObject({
        code: 'invalid-scope',
      });
    });
  });
});
