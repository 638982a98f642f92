/**
 * What the storefront (web pages) and `caravan action search|show` read: actions as people look
 * for them. Every method takes the reader's principal and answers only with what it may read: an
 * action of a scope the reader cannot read never appears in hits, totals, category counts or
 * suggestions. Implemented over the store's full-text search (SQLite FTS5, PostgreSQL tsvector).
 */
import type { Principal } from '../auth/principal.js';

export type ScopeKind = 'enterprise' | 'project' | 'personal';

export interface CatalogQuery {
  /** Words to look for in name, description, README and input names; prefix-matched. */
  text?: string;
  category?: string;
  /** A scope or scope prefix: `acme`, `acme/payments`, `~alice`. */
  scope?: string;
  /** Bounded by the catalog (at most 100). */
  limit: number;
  /** Bounded by the catalog (at most 10,000). */
  offset?: number;
}

export interface CatalogHit {
  name: string;
  /** The `latest` dist-tag's version. */
  version: string;
  description: string;
  category?: string;
  scope: string;
  scopeKind: ScopeKind;
  /** The deprecation message of the latest version, when it is deprecated. */
  deprecated?: string;
  /** When the latest version was published (ISO 8601). */
  publishedAt: string;
  /** Resolutions of any version in the last 30 days. */
  resolutions30d: number;
}

export interface CatalogPage {
  hits: CatalogHit[];
  /** How many readable actions match in all (for paging). */
  total: number;
}

export interface CatalogHome {
  categories: { category: string; count: number }[];
  recent: CatalogHit[];
  popular: CatalogHit[];
}

export interface Catalog {
  /** Ranked by relevance when `text` is given, else by name. */
  search(p: Principal, q: CatalogQuery): Promise<CatalogPage>;
  home(p: Principal): Promise<CatalogHome>;
  /** The actions of one scope (exactly that scope), by name; 404 `not-found` when unreadable or empty. */
  scopeActions(p: Principal, scope: string): Promise<CatalogHit[]>;
  /** Resolutions of any version of `name` in the last `days` days (the reader must be able to read it). */
  resolutions(p: Principal, name: string, days: number): Promise<number>;
}
