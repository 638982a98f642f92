/** The catalog's JSON routes: `/v1/search` and an action's resolution count (`/-/stats`). */
import type { FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { MAX_LIMIT, MAX_OFFSET } from '../catalog/store-catalog.js';
import type { CatalogQuery } from '../catalog/types.js';
import type { Registry } from '../registry.js';
import type { RouteContract } from './contract.js';
import { queryRules as q } from './query-rules.js';
import { intQuery, query } from './query.js';

type Install = (method: 'GET', url: string, contract: RouteContract, handler: RouteHandlerMethod) => void;

export interface CatalogRouteDeps {
  registry: Registry;
  route: Install;
  /** Installs a route under both `/v1/actions/<org>/<name>/-…` and `/v1/actions/<org>/<project>/<name>/-…`. */
  onName: Install;
  who: (req: FastifyRequest) => Promise<Principal>;
  actionName: (req: FastifyRequest) => string;
}

export const DEFAULT_SEARCH_LIMIT = 20;

export function installCatalogRoutes({ registry, route, onName, who, actionName }: CatalogRouteDeps): void {
  const searchQuery = {
    q: q.text(),
    category: q.text(),
    scope: q.scope(),
    limit: q.integer(1, MAX_LIMIT, DEFAULT_SEARCH_LIMIT),
    offset: q.integer(0, MAX_OFFSET, 40),
  };
  route('GET', '/v1/search', { body: 'none', query: searchQuery }, async (req) => {
    const cq: CatalogQuery = {
      limit: intQuery(req, 'limit', DEFAULT_SEARCH_LIMIT),
      offset: intQuery(req, 'offset', 0),
    };
    const text = query(req, 'q');
    const category = query(req, 'category');
    const scope = query(req, 'scope');
    if (text) cq.text = text;
    if (category) cq.category = category;
    if (scope) cq.scope = scope;
    return registry.catalog.search(await who(req), cq);
  });

  onName('GET', '/stats', { body: 'none', query: { days: q.integer(1, 366, 30) } }, async (req) => {
    const days = intQuery(req, 'days', 30);
    const name = actionName(req);
    return { name, days, resolutions: await registry.catalog.resolutions(await who(req), name, days) };
  });
}
