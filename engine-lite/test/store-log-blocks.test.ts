/**
 * The engine store keeps a step's log as blocks of lines and reads back exactly the lines it was
 * given: the same suite on SQLite and on PostgreSQL, with tails, follow positions and counts
 * across block boundaries, and entries of the JSON log body that hold "\n".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../test/services.js';
import { blockOf, MAX_BLOCK_LINES, type NewLogEntry } from '../src/store/log-blocks.js';
import { PostgresEngineStore } from '../src/store/postgres.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import type { EngineStore, PositionedLogEntry } from '../src/store/types.js';

const out = (text: string, ts = 1): NewLogEntry => ({ stream: 'stdout', text, ts });
const texts = (lines: { text: string }[]) => lines.map((l) => l.text);
const picked = (lines: NewLogEntry[]) => lines.map(({ stream, text, ts }) => ({ stream, text, ts }));

/** 10,000 lines in runs of 1 to 37 lines, each run another stream or time than the one before. */
function mixedBatch(): NewLogEntry[] {
  const streams = ['stdout', 'stderr', 'agent'] as const;
  const samples = ['tab\there', 'cr\rinside', 'emoji 😀 é', 'replaced \ufffd', '', 'quote " \\ back', '{"json":1}'];
  const entries: NewLogEntry[] = [];
  for (let run = 0; entries.length < 10_000; run++) {
    const length = 1 + ((run * 7) % 37);
    for (let i = 0; i < length && entries.length < 10_000; i++)
      entries.push({
        stream: streams[run % 3]!,
        text: `${samples[entries.length % samples.length]} #${entries.length}`,
        ts: 1000 + Math.floor(run / 2),
      });
  }
  return entries;
}

/** Every line of a step, followed page by page from the start. */
async function followAll(store: EngineStore, run: string, step: string, page: number): Promise<PositionedLogEntry[]> {
  const all: PositionedLogEntry[] = [];
  for (;;) {
    const next = await store.getLogsAfter(run, step, all.at(-1)?.pos ?? 0, page);
    all.push(...next);
    if (next.length < page) return all;
  }
}

function blocksSuite(name: string, open: () => Promise<EngineStore>, skip = false): void {
  describe.skipIf(skip)(`EngineStore log blocks (${name})`, () => {
    let store: EngineStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('reads a batch of 10,000 lines in runs of varying stream and time back line for line, however it is read', async () => {
      const entries = mixedBatch();
      expect(await store.appendLogs('mix', 'build', 'mix.build.1', 1, entries)).toBe(true);
      expect(picked(await store.getLogs('mix', 'build'))).toEqual(entries);
      expect(picked(await store.getLogs('mix'))).toEqual(entries);
      const followed = await followAll(store, 'mix', 'build', 777);
      expect(picked(followed)).toEqual(entries);
      for (let i = 1; i < followed.length; i++) expect(followed[i]!.pos).toBeGreaterThan(followed[i - 1]!.pos);
      for (const count of [1, 2, 36, 37, 38, 5000, 9999, 10_000])
        expect(await store.logPosition('mix', 'build', count)).toBe(followed[count - 1]!.pos);
      expect(await store.logPosition('mix', 'build', 20_000)).toBe(followed.at(-1)!.pos);
      const tail = await store.getLogTail('mix', 'build', 50);
      expect(tail.total).toBe(10_000);
      expect(picked(tail.tail)).toEqual(entries.slice(-50));
      expect((await store.getRunLogTails('mix', 50)).get('build')).toEqual(tail);
    });

    it('reads a tail of 3 lines that spans two blocks, whole or one step of a run', async () => {
      await store.appendLogs('span', 's', 'span.s.1', 1, [out('a1'), out('a2'), out('a3'), out('a4')]);
      await store.appendLogs('span', 's', 'span.s.1', 2, [out('b1', 2), out('b2', 2)]);
      const lines = await store.getLogsAfter('span', 's', 0, 10);
      expect(new Set(lines.map((l) => blockOf(l.pos))).size).toBe(2);
      const tail = await store.getLogTail('span', 's', 3);
      expect(tail).toMatchObject({ total: 6, tail: [{ text: 'a4', seq: 1 }, { text: 'b1', seq: 2 }, { text: 'b2' }] });
      expect((await store.getRunLogTails('span', 3)).get('s')).toEqual(tail);
      expect(texts((await store.getLogTail('span', 's', 1)).tail)).toEqual(['b2']);
      expect(texts((await store.getLogTail('span', 's', 100)).tail)).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2']);
    });

    it('follows from a position in the middle of a block: the rest of it, then the next', async () => {
      await store.appendLogs('mid', 's', 'mid.s.1', 1, [out('l1'), out('l2'), out('l3'), out('l4'), out('l5')]);
      await store.appendLogs('mid', 's', 'mid.s.1', 2, [out('n1'), out('n2')]);
      const second = await store.logPosition('mid', 's', 2);
      expect(texts(await store.getLogsAfter('mid', 's', second, 2))).toEqual(['l3', 'l4']);
      const fourth = await store.logPosition('mid', 's', 4);
      expect(blockOf(fourth)).toBe(blockOf(second));
      expect(texts(await store.getLogsAfter('mid', 's', fourth, 10))).toEqual(['l5', 'n1', 'n2']);
      expect(texts(await store.getLogsAfter('mid', 's', await store.logPosition('mid', 's', 5), 1))).toEqual(['n1']);
      expect(await store.getLogsAfter('mid', 's', await store.logPosition('mid', 's', 7), 10)).toEqual([]);
    });

    it('keeps an entry holding "\\n" (the JSON log body of older agents) as one entry among lines', async () => {
      const entries = [out('one'), out('two\nthree'), out('four'), out('\n'), out('end\n'), out(''), out('')];
      await store.appendLogs('nl', 's', 'nl.s.1', 1, entries);
      expect(picked(await store.getLogs('nl', 's'))).toEqual(entries);
      const followed = await followAll(store, 'nl', 's', 2);
      expect(picked(followed)).toEqual(entries);
      expect(await store.logPosition('nl', 's', 2)).toBe(followed[1]!.pos);
      expect(texts(await store.getLogsAfter('nl', 's', followed[1]!.pos, 1))).toEqual(['four']);
      expect(await store.getLogTail('nl', 's', 4)).toMatchObject({
        total: 7,
        tail: [{ text: '\n' }, { text: 'end\n' }, { text: '' }, { text: '' }],
      });
    });

    it('splits a batch over a block of lines into several, read back in order', async () => {
      const entries = Array.from({ length: MAX_BLOCK_LINES * 2 + 5 }, (_, i) => out(`same run #${i}`, 9));
      await store.appendLogs('split', 's', 'split.s.1', 1, entries);
      const followed = await followAll(store, 'split', 's', 3000);
      expect(picked(followed)).toEqual(entries);
      expect(new Set(followed.map((l) => blockOf(l.pos))).size).toBe(3);
      expect(await store.getLogTail('split', 's', 7)).toMatchObject({ total: entries.length });
      expect(texts((await store.getLogTail('split', 's', 7)).tail)).toEqual(texts(entries.slice(-7)));
    });

    it('counts an empty batch as stored and adds no line', async () => {
      expect(await store.appendLogs('empty', 's', 'empty.s.1', 1, [])).toBe(true);
      expect(await store.getLogTail('empty', 's', 3)).toEqual({ total: 0, tail: [] });
      expect((await store.getRunLogTails('empty', 3)).size).toBe(0);
      expect(await store.logPosition('empty', 's', 3)).toBe(0);
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'caravan-store-blocks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
blocksSuite('sqlite', async () => new SqliteEngineStore(join(tmp, 'engine.db')));

const schema = `engine_blocks_test_${process.pid}_${Date.now()}`;
blocksSuite('postgres', async () => PostgresEngineStore.open(postgresUrl, schema), !hasPostgres);
afterAll(async () => {
  if (!hasPostgres) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});
