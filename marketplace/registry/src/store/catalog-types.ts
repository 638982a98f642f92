/**
 * What the store gives the catalog: one row per action (its `latest` version), found by full-text
 * search and filtered by the reader's scopes inside the query, and daily resolution counters.
 */

/**
 * The scopes a reader may read, as the store filters them: `all`, or a list of entries where an
 * org (`acme`) covers itself and its projects, and a project (`acme/payments`) or personal scope
 * (`~alice`) covers only itself. An empty list reads nothing.
 */
export type ReadableScopes = { all: true } | { all: false; scopes: string[] };

export type CatalogOrder = 'relevance' | 'name' | 'recent' | 'popular';

export interface CatalogStoreQuery {
  /** Words (letters and digits only), each prefix-matched; all must match. Empty: no text filter. */
  words: string[];
  category?: string;
  /** An org covers its projects; a project or personal scope only itself. */
  scope?: string;
  /** Only this exact scope (the scope page), not its projects. */
  exactScope?: boolean;
  readable: ReadableScopes;
  order: CatalogOrder;
  limit: number;
  offset: number;
  /** First day (`YYYY-MM-DD`, UTC) counted in `resolutions`. */
  since: string;
}

export interface CatalogRow {
  name: string;
  version: string;
  description: string;
  category?: string;
  scope: string;
  deprecated?: string;
  publishedAt: string;
  /** Resolutions since the query's `since` day. */
  resolutions: number;
}

export interface CatalogResult {
  rows: CatalogRow[];
  /** All matches the reader may read, ignoring limit and offset. */
  total: number;
}

export interface ResolutionCount {
  name: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  count: number;
}

export interface CatalogStore {
  catalogSearch(q: CatalogStoreQuery): Promise<CatalogResult>;
  /** Categories of readable actions with their counts, most actions first. */
  catalogCategories(readable: ReadableScopes): Promise<{ category: string; count: number }[]>;
  /** Adds counts to the daily counters of their actions (one transaction). */
  addResolutions(counts: ResolutionCount[]): Promise<void>;
  /** Resolutions of `name` from day `since` on. */
  resolutionsSince(name: string, since: string): Promise<number>;
}

/** Index at most this much of a README (PostgreSQL's tsvector is bounded; both stores index the same text). */
export const INDEXED_README_CHARS = 65_536;
