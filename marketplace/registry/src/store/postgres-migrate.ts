import type pg from 'pg';
import { POSTGRES_MIGRATIONS } from './postgres-schema.js';

const MIGRATION_LOCK = 0x63617276; // "carv"

/**
 * Applies the migrations not yet applied, under a session advisory lock so that processes
 * starting together migrate one at a time; creates `schema` first when one is given.
 */
export async function migratePostgres(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Under the lock: two CREATE SCHEMA IF NOT EXISTS at once can both try to create it.
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
      );
      const done = new Set(
        (await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id),
      );
      for (const [i, sql] of POSTGRES_MIGRATIONS.entries()) {
        if (done.has(i + 1)) continue;
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [
          i + 1,
          new Date().toISOString(),
        ]);
        await client.query('COMMIT');
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
