/** The PostgreSQL catalog's schema and the statement that rebuilds rows of it from versions and dist-tags. */
import { INDEXED_README_CHARS } from './catalog-types.js';

const SEPARATORS = "'/-_.~', '     '";

/** Inserts the catalog rows of the names `filter` selects (an SQL condition on `t.name`). */
export function postgresCatalogInsert(filter: string): string {
  const inputs = `(SELECT string_agg(k, ' ') FROM jsonb_object_keys(CASE WHEN jsonb_typeof(v.spec::jsonb -> 'inputs') = 'object'
    THEN v.spec::jsonb -> 'inputs' END) AS k)`;
  return `INSERT INTO catalog (name, scope, org, version, description, category, deprecated, published_at, words, inputs, readme)
  SELECT v.name, v.scope, split_part(v.scope, '/', 1), v.version, v.description, v.category, v.deprecated, v.published_at,
    translate(v.name, ${SEPARATORS}), translate(coalesce(${inputs}, ''), ${SEPARATORS}),
    left(coalesce(v.readme, ''), ${INDEXED_README_CHARS})
  FROM dist_tags t JOIN versions v ON v.name = t.name AND v.version = t.version
  WHERE t.tag = 'latest' AND v.deleted_at IS NULL AND ${filter}`;
}

const vector = (column: string, weight: string) =>
  `setweight(to_tsvector('simple'::regconfig, ${column}), '${weight}')`;

/**
 * Migration 2: the catalog (one row per action with a live `latest`), its tsvector with a GIN index, and daily
 * resolution counters.
 */
export const POSTGRES_CATALOG_MIGRATION = `
  CREATE TABLE catalog (name TEXT PRIMARY KEY, scope TEXT NOT NULL, org TEXT NOT NULL, version TEXT NOT NULL,
    description TEXT NOT NULL, category TEXT, deprecated TEXT, published_at TEXT NOT NULL,
    words TEXT NOT NULL, inputs TEXT NOT NULL, readme TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (${vector('words', 'A')} || ${vector('description', 'B')} || ${vector('inputs', 'C')}
      || ${vector('readme', 'D')}) STORED);
  CREATE INDEX catalog_document ON catalog USING GIN (document);
  CREATE INDEX catalog_scope ON catalog (scope);
  CREATE INDEX catalog_org ON catalog (org);
  CREATE INDEX catalog_category ON catalog (category);
  CREATE INDEX catalog_published ON catalog (published_at);
  ${postgresCatalogInsert('true')};
  CREATE TABLE resolution_days (name TEXT NOT NULL, day TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (name, day));
  CREATE INDEX resolution_days_day ON resolution_days (day);`;

/**
 * Migration 3: the name, description and input names alone (`head`), which ranking reads: ranking the whole
 * document (README positions included) cost ~40 µs a row.
 */
export const POSTGRES_CATALOG_HEAD_MIGRATION = `
  ALTER TABLE catalog ADD COLUMN head tsvector GENERATED ALWAYS AS (${vector('words', 'A')} || ${vector('description', 'B')}
    || ${vector('inputs', 'C')}) STORED;`;
