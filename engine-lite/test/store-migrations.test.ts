/**
 * The engine store upgrades a database that an older engine made, keeps what it held (events in
 * the order they were shown), runs each migration once even when two engines open it at once,
 * and refuses a database made by a newer engine.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../test/services.js';
import { POSTGRES_MIGRATIONS, PRE_MIGRATION_SCHEMA, SQLITE_MIGRATIONS } from '../src/store/migrations.js';
import { PostgresEngineStore } from '../src/store/postgres.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import type { EngineStore } from '../src/store/types.js';

const OLD_RUN = `INSERT INTO runs (id, pipeline_name, file, source, pipeline, params, actions, secret_names, executor,
  concurrency, status, cancel_requested, created_at) VALUES ('old', 'p', 'p.yml', 'v', '{"steps":[]}', '{}', '{}', '[]',
  'process', 1, 'success', 0, 1000)`;
const OLD_EVENTS = ['run.started', 'step.running', 'step.success', 'run.success'].map(
  (type) => `INSERT INTO events (run_id, step_id, type, data, ts) VALUES ('old', NULL, '${type}', '{}', 5)`,
);

interface Dialect {
  name: string;
  available: boolean;
  migrations: readonly string[];
  /** Makes a database exactly as the engine did before migrations, with one finished run. */
  makeOld(): Promise<void>;
  open(): Promise<EngineStore>;
  /** Runs SQL on the database directly. */
  exec(sql: string): Promise<void>;
  appliedMigrations(): Promise<number[]>;
  drop(): Promise<void>;
}

function sqlite(): Dialect {
  const dir = mkdtempSync(join(tmpdir(), 'caravan-migrate-'));
  const file = join(dir, 'engine.db');
  const raw = (sql: string) => {
    const db = new Database(file);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  return {
    name: 'sqlite',
    available: true,
    migrations: SQLITE_MIGRATIONS,
    async makeOld() {
      raw([PRE_MIGRATION_SCHEMA, OLD_RUN, ...OLD_EVENTS].join(';\n'));
    },
    open: async () => new SqliteEngineStore(file),
    exec: async (sql) => raw(sql),
    async appliedMigrations() {
      const db = new Database(file);
      try {
        return db.prepare('SELECT id FROM schema_migrations ORDER BY id').pluck().all() as number[];
      } finally {
        db.close();
      }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgres(): Dialect {
  const schema = `engine_mig_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const query = async (sql: string) => {
    const c = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${schema}` });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    name: 'postgres',
    available: hasPostgres,
    migrations: POSTGRES_MIGRATIONS,
    async makeOld() {
      await query(`CREATE SCHEMA ${schema}`);
      await query([PRE_MIGRATION_SCHEMA, OLD_RUN, ...OLD_EVENTS].join(';\n'));
      // an update moves a row's ctid: the old engine showed events by (ts, ctid), so this one now comes last
      await query(`UPDATE events SET data = '{"moved":true}' WHERE type = 'step.running'`);
    },
    open: () => PostgresEngineStore.open(postgresUrl, schema),
    exec: async (sql) => {
      await query(sql);
    },
    appliedMigrations: async () =>
      (await query('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r: { id: number }) => r.id),
    drop: async () => {
      await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

const made: Dialect[] = [];
afterAll(async () => {
  for (const d of made) await d.drop();
});

describe.each([
  { name: 'sqlite', make: sqlite },
  { name: 'postgres', make: postgres },
])('engine store migrations ($name)', ({ make }) => {
  const probe = make();
  made.push(probe);

  it.skipIf(!probe.available)('upgrades a database an older engine made and keeps its runs and events', async () => {
    const d = make();
    made.push(d);
    await d.makeOld();
    const shownBefore =
      d.name === 'sqlite'
        ? ['run.started', 'step.running', 'step.success', 'run.success']
        : ['run.started', 'step.success', 'run.success', 'step.running'];
    const store = await d.open();
    try {
      expect((await store.getRun('old'))?.status).toBe('success');
      const events = await store.getEvents('old');
      expect(events.map((e) => e.type)).toEqual(shownBefore);
      expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
      await store.addEvent({ runId: 'old', type: 'run.note', data: {}, ts: 1 });
      const after = await store.getEvents('old');
      expect(after.at(-1)).toMatchObject({ id: 5, type: 'run.note' });
    } finally {
      await store.close();
    }
    expect(await d.appliedMigrations()).toEqual(d.migrations.map((_, i) => i + 1));
  });

  it.skipIf(!probe.available)('applies each migration once when two engines open a new store at once', async () => {
    const d = make();
    made.push(d);
    const stores = await Promise.all([d.open(), d.open(), d.open()]);
    await Promise.all(stores.map((s) => s.close()));
    expect(await d.appliedMigrations()).toEqual(d.migrations.map((_, i) => i + 1));
    const again = await d.open();
    await again.close();
    expect(await d.appliedMigrations()).toEqual(d.migrations.map((_, i) => i + 1));
  });

  it.skipIf(!probe.available)('refuses a store written by a newer engine, saying what to do', async () => {
    const d = make();
    made.push(d);
    const store = await d.open();
    await store.close();
    await d.exec('INSERT INTO schema_migrations (id, applied_at) VALUES (99, 0)');
    const err = await d.open().then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/written by a newer Caravan \(schema 99, this one knows up to \d+\); upgrade caravan/);
  });
});
