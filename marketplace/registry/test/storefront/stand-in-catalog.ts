/**
 * A small Catalog over the registry's existing permission-checked reads (search, versions), for
 * the page tests until the store's full-text catalog is merged. It ranks by name, counts no
 * resolutions, and sees at most 100 actions: enough for the seeded test stores.
 */
import type { Principal } from '../../src/auth/principal.js';
import type { Catalog, CatalogHit, CatalogQuery } from '../../src/catalog/types.js';
import { RegistryError } from '../../src/errors.js';
import { parseActionName } from '../../src/names.js';
import type { Registry } from '../../src/registry.js';

export function standInCatalog(registry: Registry): Catalog {
  const hits = async (p: Principal, q: Omit<CatalogQuery, 'limit' | 'offset'>): Promise<CatalogHit[]> => {
    const found = await registry.search(p, { ...q, limit: 100 });
    return Promise.all(
      found.map(async (h) => {
        const list = await registry.versions(p, h.name);
        const latest = list.versions.find((v) => v.version === h.version);
        const kind = parseActionName(h.name).kind;
        const hit: CatalogHit = {
          name: h.name,
          version: h.version,
          description: h.description,
          scope: h.scope,
          scopeKind: kind === 'builtin' ? 'enterprise' : kind,
          publishedAt: latest?.publishedAt ?? '',
          resolutions30d: 0,
        };
        if (h.category !== undefined) hit.category = h.category;
        if (latest?.deprecated !== undefined) hit.deprecated = latest.deprecated;
        return hit;
      }),
    );
  };
  return {
    async search(p, q) {
      const { limit, offset = 0, ...rest } = q;
      const all = await hits(p, rest);
      return { hits: all.slice(offset, offset + limit), total: all.length };
    },
    async home(p) {
      const all = await hits(p, {});
      const counts = new Map<string, number>();
      for (const h of all) if (h.category) counts.set(h.category, (counts.get(h.category) ?? 0) + 1);
      return {
        categories: [...counts].map(([category, count]) => ({ category, count })),
        recent: [...all].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt)).slice(0, 5),
        popular: [],
      };
    },
    async scopeActions(p, scope) {
      const own = (await hits(p, { scope })).filter((h) => h.scope === scope);
      if (own.length === 0) throw new RegistryError(404, 'not-found', `no readable actions in ${scope}`);
      return own;
    },
    async resolutions(p, name) {
      await registry.versions(p, name);
      return 0;
    },
  };
}
