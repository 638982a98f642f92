/** The SQLite catalog's schema and the statement that rebuilds rows of it from versions and dist-tags. */
import { INDEXED_README_CHARS } from './catalog-types.js';

/** `expr` with name and input separators as spaces, so each segment is a word of its own. */
function spaced(expr: string): string {
  return ['/', '-', '_', '.', '~'].reduce((e, ch) => `replace(${e}, '${ch}', ' ')`, expr);
}

/** Inserts the catalog rows of the names `filter` selects (an SQL condition on `t.name`). */
export function sqliteCatalogInsert(filter: string): string {
  return `INSERT INTO catalog (name, scope, org, version, description, category, deprecated, published_at, words, inputs, readme)
  SELECT v.name, v.scope, CASE WHEN instr(v.scope, '/') > 0 THEN substr(v.scope, 1, instr(v.scope, '/') - 1) ELSE v.scope END,
    v.version, v.description, v.category, v.deprecated, v.published_at, ${spaced('v.name')},
    ${spaced("coalesce((SELECT group_concat(key, ' ') FROM json_each(v.spec, '$.inputs')), '')")},
    substr(coalesce(v.readme, ''), 1, ${INDEXED_README_CHARS})
  FROM dist_tags t JOIN versions v ON v.name = t.name AND v.version = t.version
  WHERE t.tag = 'latest' AND v.deleted_at IS NULL AND ${filter}`;
}

/** Migration 2: the catalog (one row per action with a live `latest`), its FTS5 index and daily resolution counters. */
export const SQLITE_CATALOG_MIGRATION = `
  CREATE TABLE catalog (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, org TEXT NOT NULL,
    version TEXT NOT NULL, description TEXT NOT NULL, category TEXT, deprecated TEXT, published_at TEXT NOT NULL,
    words TEXT NOT NULL, inputs TEXT NOT NULL, readme TEXT NOT NULL);
  CREATE INDEX catalog_scope ON catalog (scope);
  CREATE INDEX catalog_org ON catalog (org);
  CREATE INDEX catalog_category ON catalog (category);
  CREATE INDEX catalog_published ON catalog (published_at);
  CREATE VIRTUAL TABLE catalog_fts USING fts5(words, description, inputs, readme, content='catalog', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
  CREATE TRIGGER catalog_ai AFTER INSERT ON catalog BEGIN
    INSERT INTO catalog_fts (rowid, words, description, inputs, readme) VALUES (new.id, new.words, new.description, new.inputs, new.readme);
  END;
  CREATE TRIGGER catalog_ad AFTER DELETE ON catalog BEGIN
    INSERT INTO catalog_fts (catalog_fts, rowid, words, description, inputs, readme)
      VALUES ('delete', old.id, old.words, old.description, old.inputs, old.readme);
  END;
  CREATE TRIGGER catalog_au AFTER UPDATE ON catalog BEGIN
    INSERT INTO catalog_fts (catalog_fts, rowid, words, description, inputs, readme)
      VALUES ('delete', old.id, old.words, old.description, old.inputs, old.readme);
    INSERT INTO catalog_fts (rowid, words, description, inputs, readme) VALUES (new.id, new.words, new.description, new.inputs, new.readme);
  END;
  ${sqliteCatalogInsert('1 = 1')};
  CREATE TABLE resolution_days (name TEXT NOT NULL, day TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (name, day));
  CREATE INDEX resolution_days_day ON resolution_days (day);`;
