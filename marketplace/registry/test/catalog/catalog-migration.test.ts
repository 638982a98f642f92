/** A store created before the catalog existed gets its catalog filled by migration 2. */
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreCatalog } from '../../src/catalog/store-catalog.js';
import { openStore } from '../../src/open.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres-schema.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite-schema.js';
import { cleanup, storeFactories, tempDir } from '../helpers.js';
import { anonymousReader } from './fixtures.js';

const ROWS = `
  INSERT INTO versions (name, version, integrity, sha256, size, spec, readme, description, category, scope, published_at, publisher, token_id)
    VALUES ('acme/old-lint', '1.0.0', 'sha512-x', 'aa', 1, '{"inputs":{"max_warnings":{}}}', '# Old', 'An old linter', 'lint', 'acme',
      '2026-01-01T00:00:00.000Z', 'alice', 'tok');
  INSERT INTO dist_tags (name, tag, version) VALUES ('acme/old-lint', 'latest', '1.0.0');`;

async function expectBackfilled(opts: { dataDir: string; databaseUrl?: string; schema?: string }) {
  const store = await openStore(opts);
  try {
    const catalog = new StoreCatalog(store);
    const page = await catalog.search(anonymousReader(['acme']), { text: 'warnings', limit: 5 });
    expect(page.hits.map((h) => [h.name, h.category])).toEqual([['acme/old-lint', 'lint']]);
  } finally {
    await store.close();
  }
}

describe('migration 2 (the catalog)', () => {
  it('fills the catalog of an existing SQLite registry', async () => {
    const opts = storeFactories[0]!.options(tempDir());
    const db = new Database(join(opts.dataDir, 'registry.db'));
    db.exec('CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    db.exec(SQLITE_MIGRATIONS[0] ?? '');
    db.exec(`INSERT INTO schema_migrations VALUES (1, 'then'); ${ROWS}`);
    db.close();
    await expectBackfilled(opts);
    await cleanup(opts);
  });

  it.skipIf(!storeFactories[1]!.available)('fills the catalog of an existing PostgreSQL registry', async () => {
    const opts = storeFactories[1]!.options(tempDir());
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${opts.schema}; SET search_path = ${opts.schema}`);
      await client.query('CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      await client.query(POSTGRES_MIGRATIONS[0] ?? '');
      await client.query(`INSERT INTO schema_migrations VALUES (1, 'then'); ${ROWS}`);
    } finally {
      await client.end();
    }
    await expectBackfilled(opts);
    await cleanup(opts);
  });
});
