/**
 * The catalog over the registry's store: the reader's readable scopes go into every store query,
 * so hits, totals, category counts and home lists never include or count what the reader cannot read.
 */
import { requireRead, type Principal } from '../auth/principal.js';
import { RegistryError } from '../errors.js';
import { parseActionName, parseScope } from '../names.js';
import type { CatalogOrder, CatalogRow, RegistryStore } from '../store/types.js';
import { dayKey, systemClock, type Clock } from './clock.js';
import { canRead, readableScopes } from './readable-scopes.js';
import { scopeKind } from './scope-kind.js';
import { searchWords } from './search-words.js';
import type { Catalog, CatalogHit, CatalogHome, CatalogPage, CatalogQuery } from './types.js';

export const MAX_LIMIT = 100;
export const MAX_OFFSET = 10_000;
export const HOME_LIST = 8;
/** A scope page lists at most this many actions. */
export const MAX_SCOPE_ACTIONS = 1_000;
const MAX_CATEGORY = 100;
const MAX_DAYS = 366;

function clamp(n: number | undefined, min: number, max: number, fallback: number): number {
  if (n === undefined || !Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function toHit(r: CatalogRow): CatalogHit {
  const hit: CatalogHit = {
    name: r.name,
    version: r.version,
    description: r.description,
    scope: r.scope,
    scopeKind: scopeKind(r.scope),
    publishedAt: r.publishedAt,
    resolutions30d: r.resolutions,
  };
  if (r.category !== undefined) hit.category = r.category;
  if (r.deprecated !== undefined) hit.deprecated = r.deprecated;
  return hit;
}

export class StoreCatalog implements Catalog {
  constructor(
    private readonly store: RegistryStore,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The first day of the last 30 (today included). */
  private since30(): string {
    return dayKey(this.clock.now(), 29);
  }

  private async rows(
    p: Principal,
    order: CatalogOrder,
    q: { words?: string[]; category?: string; scope?: string; exactScope?: boolean; limit: number; offset?: number },
  ) {
    const query = {
      words: q.words ?? [],
      readable: readableScopes(p),
      order,
      limit: q.limit,
      offset: q.offset ?? 0,
      since: this.since30(),
      ...(q.category !== undefined ? { category: q.category } : {}),
      ...(q.scope !== undefined ? { scope: q.scope } : {}),
      ...(q.exactScope ? { exactScope: true } : {}),
    };
    return this.store.catalogSearch(query);
  }

  async search(p: Principal, q: CatalogQuery): Promise<CatalogPage> {
    const words = searchWords(q.text);
    if (q.scope !== undefined && q.scope !== '') parseScope(q.scope);
    if (q.category !== undefined && q.category.length > MAX_CATEGORY) {
      throw new RegistryError(
        400,
        'invalid-category',
        `the category has ${q.category.length} characters; categories have at most ${MAX_CATEGORY}`,
        'pick a category from the home page (GET /v1/search without a category lists them all)',
      );
    }
    const result = await this.rows(p, words.length > 0 ? 'relevance' : 'name', {
      words,
      ...(q.category ? { category: q.category } : {}),
      ...(q.scope ? { scope: q.scope } : {}),
      limit: clamp(q.limit, 1, MAX_LIMIT, 20),
      offset: clamp(q.offset, 0, MAX_OFFSET, 0),
    });
    return { hits: result.rows.map(toHit), total: result.total };
  }

  async home(p: Principal): Promise<CatalogHome> {
    const [categories, recent, popular] = await Promise.all([
      this.store.catalogCategories(readableScopes(p)),
      this.rows(p, 'recent', { limit: HOME_LIST }),
      this.rows(p, 'popular', { limit: HOME_LIST }),
    ]);
    return { categories, recent: recent.rows.map(toHit), popular: popular.rows.map(toHit) };
  }

  async scopeActions(p: Principal, scope: string): Promise<CatalogHit[]> {
    parseScope(scope);
    const readable = readableScopes(p);
    const rows = canRead(readable, scope)
      ? (await this.rows(p, 'name', { scope, exactScope: true, limit: MAX_SCOPE_ACTIONS })).rows
      : [];
    if (rows.length === 0) {
      throw new RegistryError(
        404,
        'not-found',
        `no scope "${scope}" with actions you can read`,
        'check the spelling; a private scope shows only to readers who sent their token',
      );
    }
    return rows.map(toHit);
  }

  async resolutions(p: Principal, name: string, days: number): Promise<number> {
    const parsed = parseActionName(name);
    requireRead(p, parsed.scope);
    const since = dayKey(this.clock.now(), clamp(days, 1, MAX_DAYS, 30) - 1);
    return this.store.resolutionsSince(parsed.full, since);
  }
}
