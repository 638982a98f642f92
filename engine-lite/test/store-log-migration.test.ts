/**
 * Migration 7 moves the lines a store at schema 6 kept one row each (`logs`) into log blocks: the
 * new engine reads the same lines back, in the same orders, on SQLite and on PostgreSQL.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../test/services.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../src/store/migrations.js';
import { PostgresEngineStore } from '../src/store/postgres.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import type { EngineStore, PositionedLogEntry } from '../src/store/types.js';

const AT_SCHEMA_6 = 6;

/** [step, task, idx, ts, text], in the order the old engine stored them: steps interleaved, attempt 10 after 2. */
const OLD_LINES: [string, string, number, number, string][] = [
  ['a', 'old.a.2', 0, 5, 'a2-0'],
  ['b', 'old.b.1', 0, 5, 'b-0'],
  ['a', 'old.a.2', 1, 5, 'a2-1'],
  ['a', 'old.a.10', 0, 6, 'a10-0'],
  ['b', 'old.b.1', 1, 7, 'emoji 😀\ttab\rcr \ufffd'],
  ['a', 'old.a.10', 1, 6, 'two\nlines'],
];

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

function schema6Sql(migrations: readonly string[]): string[] {
  const batches = [...new Set(OLD_LINES.map(([, task]) => task))];
  return [
    'CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    ...migrations.slice(0, AT_SCHEMA_6),
    ...migrations.slice(0, AT_SCHEMA_6).map((_, i) => `INSERT INTO schema_migrations VALUES (${i + 1}, 0)`),
    ...batches.map((task) => `INSERT INTO log_batches (task_id, seq) VALUES (${quote(task)}, 1)`),
    ...OLD_LINES.map(
      ([step, task, idx, ts, text]) =>
        `INSERT INTO logs (run_id, step_id, task_id, seq, idx, stream, text, ts)
         VALUES ('old', ${quote(step)}, ${quote(task)}, 1, ${idx}, 'stdout', ${quote(text)}, ${ts})`,
    ),
  ];
}

interface OldStore {
  open(): Promise<EngineStore>;
  tables(): Promise<string[]>;
  drop(): Promise<void>;
}

function sqliteAt6(): OldStore {
  const dir = mkdtempSync(join(tmpdir(), 'caravan-logmig-'));
  const file = join(dir, 'engine.db');
  const db = new Database(file);
  for (const sql of schema6Sql(SQLITE_MIGRATIONS)) db.exec(sql);
  db.close();
  return {
    open: async () => new SqliteEngineStore(file),
    async tables() {
      const raw = new Database(file);
      try {
        return raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      } finally {
        raw.close();
      }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresAt6(): Promise<OldStore> {
  const schema = `engine_logmig_${process.pid}_${Date.now()}`;
  const query = async (sql: string) => {
    const c = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${schema}` });
    await c.connect();
    try {
      return (await c.query(sql)) as pg.QueryResult;
    } finally {
      await c.end();
    }
  };
  await query(`CREATE SCHEMA ${schema}`);
  await query(schema6Sql(POSTGRES_MIGRATIONS).join(';\n'));
  return {
    open: () => PostgresEngineStore.open(postgresUrl, schema),
    tables: async () =>
      (await query(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}'`)).rows.map(
        (r: { table_name: string }) => r.table_name,
      ),
    drop: async () => {
      await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

const made: OldStore[] = [];
afterAll(async () => {
  for (const s of made) await s.drop();
});

describe.each([
  { name: 'sqlite', make: async () => sqliteAt6(), skip: false },
  { name: 'postgres', make: postgresAt6, skip: !hasPostgres },
])('migration 7: log lines into blocks ($name)', ({ make, skip }) => {
  it.skipIf(skip)(
    'reads the lines a schema-6 store kept, in the same orders, and adds new ones after them',
    async () => {
      const old = await make();
      made.push(old);
      const store = await old.open();
      try {
        const texts = (lines: { text: string }[]) => lines.map((l) => l.text);
        const a = ['a2-0', 'a2-1', 'a10-0', 'two\nlines'];
        expect(texts(await store.getLogs('old', 'a'))).toEqual(a);
        expect(await store.getLogs('old', 'b')).toMatchObject([
          { stepId: 'b', taskId: 'old.b.1', seq: 1, stream: 'stdout', text: 'b-0', ts: 5 },
          { text: 'emoji 😀\ttab\rcr \ufffd', ts: 7 },
        ]);
        expect(texts(await store.getLogs('old'))).toEqual([
          'a2-0',
          'b-0',
          'a2-1',
          'a10-0',
          'two\nlines',
          'emoji 😀\ttab\rcr \ufffd',
        ]);
        const tail = await store.getLogTail('old', 'a', 3);
        expect({ total: tail.total, tail: texts(tail.tail) }).toEqual({ total: 4, tail: a.slice(1) });
        expect((await store.getRunLogTails('old', 3)).get('a')).toEqual(tail);
        const followed: PositionedLogEntry[] = await store.getLogsAfter('old', 'a', 0, 10);
        expect(texts(followed)).toEqual(a);
        const second = await store.logPosition('old', 'a', 2);
        expect(texts(await store.getLogsAfter('old', 'a', second, 10))).toEqual(a.slice(2));

        expect(await store.appendLogs('old', 'a', 'old.a.2', 1, [{ stream: 'stdout', text: 'dup', ts: 9 }])).toBe(
          false,
        );
        expect(await store.appendLogs('old', 'a', 'old.a.11', 1, [{ stream: 'stdout', text: 'new', ts: 9 }])).toBe(
          true,
        );
        expect(texts(await store.getLogs('old', 'a'))).toEqual([...a, 'new']);
        expect(texts(await store.getLogsAfter('old', 'a', followed.at(-1)!.pos, 10))).toEqual(['new']);
      } finally {
        await store.close();
      }
      const tables = await old.tables();
      expect(tables).toContain('log_blocks');
      expect(tables).toContain('log_batches');
      expect(tables).not.toContain('logs');
    },
  );
});
