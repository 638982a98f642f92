/** A catalog row as both stores read it, and its mapping to the store's record. */
import type { CatalogRow } from './catalog-types.js';

export interface CatalogSqlRow {
  name: string;
  version: string;
  description: string;
  category: string | null;
  scope: string;
  deprecated: string | null;
  published_at: string;
  resolutions?: number | null;
}

export function toCatalogRow(r: CatalogSqlRow): CatalogRow {
  const row: CatalogRow = {
    name: r.name,
    version: r.version,
    description: r.description,
    scope: r.scope,
    publishedAt: r.published_at,
    resolutions: Number(r.resolutions ?? 0),
  };
  if (r.category !== null) row.category = r.category;
  if (r.deprecated !== null) row.deprecated = r.deprecated;
  return row;
}
