/** The catalog over HTTP on both stores: /v1/search paging and totals, resolutions counted by the resolve route. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTarball, json, publish, startTestRegistry, storeFactories, type TestRegistry } from '../helpers.js';

describe.each(storeFactories)('catalog over HTTP on $kind', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let reg: TestRegistry;
    beforeAll(async () => {
      reg = await startTestRegistry(factory);
      const alice = reg.tokens['alice'];
      for (const name of ['acme/deploy-a', 'acme/deploy-b', 'acme/payments/deploy-c']) {
        const body = await actionTarball(name, '1.0.0', { readme: `# ${name}\n\nDeploys things.` });
        expect((await publish(reg.url, alice, name, '1.0.0', body)).status).toBe(201);
      }
    }, 60_000);
    afterAll(async () => {
      await reg?.stop();
    });

    const search = async (query: string, who?: string) => {
      const r = await json(reg.url, who === undefined ? undefined : reg.tokens[who], 'GET', `/v1/search?${query}`);
      expect(r.status).toBe(200);
      return r.body as { hits: { name: string; resolutions30d: number }[]; total: number };
    };

    it('pages with limit and offset and counts all readable matches', async () => {
      const first = await search('q=deploys&limit=2', 'carol');
      expect(first.total).toBe(3);
      expect(first.hits).toHaveLength(2);
      const rest = await search('q=deploys&limit=2&offset=2', 'carol');
      expect(rest.hits.map((h) => h.name)).not.toContain(first.hits[0]?.name);
      expect(rest.hits).toHaveLength(1);
      expect(await search('q=deploys')).toEqual({ hits: [], total: 0 });
      expect(await search('q=deploys', 'eve')).toEqual({ hits: [], total: 0 });
      expect((await search('q=deploys&scope=acme%2Fpayments', 'carol')).total).toBe(1);
    });

    it('counts successful resolutions only, and shows them in stats and in hits', async () => {
      const carol = reg.tokens['carol'];
      for (let i = 0; i < 3; i++)
        expect((await json(reg.url, carol, 'GET', '/v1/actions/acme/deploy-a/-/resolve?range=1')).status).toBe(200);
      expect((await json(reg.url, carol, 'GET', '/v1/actions/acme/deploy-a/-/resolve?range=9')).status).toBe(404);
      expect((await json(reg.url, undefined, 'GET', '/v1/actions/acme/deploy-a/-/resolve')).status).toBe(401);
      await reg.registry.resolutions.flush();
      const stats = await json(reg.url, carol, 'GET', '/v1/actions/acme/deploy-a/-/stats');
      expect(stats).toEqual({ status: 200, body: { name: 'acme/deploy-a', days: 30, resolutions: 3 } });
      const hit = (await search('q=deploy-a', 'carol')).hits.find((h) => h.name === 'acme/deploy-a');
      expect(hit?.resolutions30d).toBe(3);
    });

    it('writes pending counts when the registry closes', async () => {
      const r = await json(reg.url, reg.tokens['carol'], 'GET', '/v1/actions/acme/deploy-b/-/resolve');
      expect(r.status).toBe(200);
      expect(reg.registry.resolutions.size).toBe(1);
      await reg.registry.close();
      expect(await reg.store.resolutionsSince('acme/deploy-b', '2000-01-01')).toBe(1);
    });
  });
});
