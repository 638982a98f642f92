/** The PostgreSQL store's migrations (migrations.ts) applied at open. */
import type pg from 'pg';
import { POSTGRES_MIGRATIONS, tooNewError } from './migrations.js';
import { StoreError } from './types.js';

const MIGRATION_LOCK = 0x63617265; // "care": engine store migrations

/** Applies the migrations this schema lacks, each in its own transaction, under an advisory lock. */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    try {
      // Under the lock: two CREATE SCHEMA IF NOT EXISTS at once can both try to create it.
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const ids = (await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id);
      const newest = Math.max(0, ...ids);
      if (newest > POSTGRES_MIGRATIONS.length) {
        throw new StoreError(tooNewError(`PostgreSQL schema "${schema}"`, newest, POSTGRES_MIGRATIONS.length));
      }
      for (const [i, sql] of POSTGRES_MIGRATIONS.entries()) {
        if (ids.includes(i + 1)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    }
  } finally {
    client.release();
  }
}
