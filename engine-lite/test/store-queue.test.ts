/** The engine store's queue entries, run listing and log positions: one suite, run on SQLite and on PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../test/services.js';
import { newRunId } from '../src/ids.js';
import { PostgresEngineStore } from '../src/store/postgres.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import type { EngineStore, RunRecord } from '../src/store/types.js';

function run(id: string, o: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    pipelineName: 'p',
    file: 'p.yml',
    source: 'version: "1"',
    pipeline: { version: '1', name: 'p', priority: 0, params: {}, envs: {}, secrets: [], steps: [], file: 'p.yml' },
    params: {},
    actions: {},
    secretNames: [],
    executor: 'process',
    concurrency: 1,
    status: 'queued',
    cancelRequested: false,
    createdAt: 1,
    ...o,
  };
}

const entry = (owner: string, priority = 0, labels: Record<string, string> = {}) => ({ owner, priority, labels });

function queueSuite(name: string, open: () => Promise<EngineStore>, skip = false): void {
  describe.skipIf(skip)(`EngineStore queue and listing (${name})`, () => {
    let store: EngineStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });
    const waitingIds = async (owner: string) => (await store.waitingRuns(owner, 100)).map((w) => w.queue.runId);

    it('stores a queue entry with its run, and gives each owner only its own waiting runs in queue order', async () => {
      await store.createRun(run('q1'), [], undefined, entry('A', 0, { team: 'web' }));
      await store.createRun(run('q2'), [], undefined, entry('A', 5));
      await store.createRun(run('q3'), [], undefined, entry('A', 0));
      await store.createRun(run('q4'), [], undefined, entry('B', 9));
      await store.createRun(run('q1.child.1'), []); // a nested run: no entry, taken by no server
      expect(await waitingIds('A')).toEqual(['q2', 'q1', 'q3']);
      expect(await waitingIds('B')).toEqual(['q4']);
      expect((await store.waitingRuns('A', 1))[0]).toMatchObject({
        run: { id: 'q2', status: 'queued' },
        queue: { runId: 'q2', owner: 'A', priority: 5 },
      });
      expect(await store.queueEntry('q1')).toMatchObject({ owner: 'A', labels: { team: 'web' }, admitted: false });
      expect(await store.queueEntry('q1.child.1')).toBeUndefined();
      expect(await store.queueDepth('A')).toBe(3);
    });

    it('a run refused (same id) leaves no second entry; a priority change and admission are kept', async () => {
      await expect(store.createRun(run('q1'), [], undefined, entry('B', 7))).rejects.toThrow();
      expect((await store.queueEntry('q1'))?.owner).toBe('A');
      await store.updateQueueEntry('q3', { priority: 10 });
      await store.updateQueueEntry('q2', { admitted: true });
      expect(await waitingIds('A')).toEqual(['q3', 'q1']);
      expect((await store.admittedUnfinished('A')).map((e) => e.runId)).toEqual(['q2']);
      await store.updateRun('q2', { status: 'success' });
      expect(await store.admittedUnfinished('A')).toEqual([]);
    });

    it("adopts an older server's entry only when the run has none", async () => {
      await store.createRun(run('old1'), []);
      await store.adoptQueueEntry('old1', entry('A', 2, { from: 'server.db' }), true);
      await store.adoptQueueEntry('old1', entry('B', 9), false);
      expect(await store.queueEntry('old1')).toMatchObject({ owner: 'A', priority: 2, admitted: true });
      await store.adoptQueueEntry('q1', entry('B', 9), false);
      expect((await store.queueEntry('q1'))?.owner).toBe('A');
      await store.updateRun('old1', { status: 'success' });
    });

    it('counts runs by status', async () => {
      expect(await store.countRunsByStatus()).toEqual({ queued: 4, success: 2 });
    });

    it('lists newest first by filters, with entries, and pages stay right while runs are added', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) {
        const id = newRunId(1_000_000 + i);
        ids.push(id);
        await store.createRun(
          run(id, { pipelineName: i % 2 ? 'odd' : 'even', status: i % 5 === 0 ? 'failed' : 'queued' }),
          [],
          undefined,
          entry('L', 0, { n: String(i % 3), 'with "quote"': 'a,b' }),
        );
      }
      const seen: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await store.listRunPage({ pipeline: 'even', limit: 4, ...(before ? { before } : {}) });
        seen.push(...page.map((r) => r.run.id));
        if (page.length < 4) break;
        before = page.at(-1)!.run.id;
        // Newer runs arrive between pages: they belong before the cursor, and no page repeats or skips a run.
        await store.createRun(run(newRunId(1_500_000 + seen.length), { pipelineName: 'even' }), []);
      }
      const evens = ids.filter((_, i) => i % 2 === 0).reverse();
      expect(seen).toEqual(evens);
      const failed = await store.listRunPage({ status: 'failed', pipeline: 'odd', limit: 100 });
      expect(failed.map((r) => r.run.id)).toEqual([ids[15], ids[5]]);
      const labelled = await store.listRunPage({ label: { key: 'n', value: '2' }, limit: 100 });
      expect(labelled.map((r) => r.run.id)).toEqual(ids.filter((_, i) => i % 3 === 2).reverse());
      expect(labelled[0]?.queue?.labels.n).toBe('2');
      const quoted = await store.listRunPage({ label: { key: 'with "quote"', value: 'a,b' }, limit: 1 });
      expect(quoted).toHaveLength(1);
      expect(await store.listRunPage({ label: { key: 'n', value: '' }, limit: 10 })).toEqual([]);
    });

    it("reads a step's log after a position: only the lines stored since, in order", async () => {
      const line = (text: string) => ({ stream: 'stdout' as const, text, ts: 1 });
      await store.appendLogs('q1', 'a', 'q1.a.1', 1, [line('one'), line('two')]);
      await store.appendLogs('q1', 'b', 'q1.b.1', 1, [line('other step')]);
      await store.appendLogs('q3', 'a', 'q3.a.1', 1, [line('other run')]);
      const first = await store.getLogsAfter('q1', 'a', 0, 10);
      expect(first.map((l) => l.text)).toEqual(['one', 'two']);
      expect(await store.getLogsAfter('q1', 'a', first[1]!.pos, 10)).toEqual([]);
      await store.appendLogs('q1', 'a', 'q1.a.1', 2, [line('three'), line('four')]);
      const next = await store.getLogsAfter('q1', 'a', first[1]!.pos, 1);
      expect(next.map((l) => [l.text, l.taskId, l.seq])).toEqual([['three', 'q1.a.1', 2]]);
      expect((await store.getLogsAfter('q1', 'a', next[0]!.pos, 10)).map((l) => l.text)).toEqual(['four']);
      expect(await store.logPosition('q1', 'a', 0)).toBe(0);
      expect(await store.logPosition('q1', 'a', 2)).toBe(first[1]!.pos);
      expect(await store.logPosition('q1', 'a', 99)).toBe((await store.getLogsAfter('q1', 'a', 0, 10)).at(-1)!.pos);
      expect(await store.logPosition('q1', 'missing', 3)).toBe(0);
    });

    it("reads a step's tail: its line count and its last lines in order, across attempts", async () => {
      const line = (text: string) => ({ stream: 'stdout' as const, text, ts: 1 });
      await store.appendLogs('q1', 't', 'q1.t.1', 1, [line('a1'), line('a2')]);
      await store.appendLogs('q1', 't', 'q1.t.2', 1, [line('b1')]);
      await store.appendLogs('q1', 't', 'q1.t.2', 2, [line('b2'), line('b3')]);
      await store.appendLogs('q1', 'u', 'q1.u.1', 1, [line('other step')]);
      const tail = await store.getLogTail('q1', 't', 3);
      expect(tail.total).toBe(5);
      expect(tail.tail.map((l) => l.text)).toEqual(['b1', 'b2', 'b3']);
      expect((await store.getLogTail('q1', 't', 10)).tail.map((l) => l.text)).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
      expect(await store.getLogTail('q1', 'missing', 3)).toEqual({ total: 0, tail: [] });
    });

    it('orders a step with ten attempts or more by attempt (attempt 10 after 9, not after 1), and its tail is the last attempt', async () => {
      const line = (text: string) => ({ stream: 'stdout' as const, text, ts: 3 });
      for (let attempt = 1; attempt <= 12; attempt++)
        await store.appendLogs('q1', 'retried', `q1.retried.${attempt}`, 1, [
          line(`try ${attempt}`),
          line(`end ${attempt}`),
        ]);
      const all = await store.getLogs('q1', 'retried');
      expect(all.map((l) => l.text)).toEqual(
        Array.from({ length: 12 }, (_, i) => [`try ${i + 1}`, `end ${i + 1}`]).flat(),
      );
      expect((await store.getLogs('q1')).filter((l) => l.stepId === 'retried')).toEqual(all);
      const tail = await store.getLogTail('q1', 'retried', 3);
      expect(tail).toMatchObject({ total: 24, tail: [{ text: 'end 11' }, { text: 'try 12' }, { text: 'end 12' }] });
      expect((await store.getRunLogTails('q1', 3)).get('retried')).toEqual(tail);
      // the lines a page showed and the lines followed after them meet without a gap or a repeat
      const shown = await store.logPosition('q1', 'retried', 22);
      expect((await store.getLogsAfter('q1', 'retried', shown, 10)).map((l) => l.text)).toEqual(['try 12', 'end 12']);
    });

    it("reads every step's tail of a run in one query, the same as step by step", async () => {
      const line = (text: string) => ({ stream: 'stderr' as const, text, ts: 7 });
      const long = 'x'.repeat(100_000);
      await store.createRun(run('tails'), []);
      await store.createRun(run('tails-other'), []);
      // few: fewer lines than the limit; many: more, over three attempts; wide: a long line; none: nothing.
      await store.appendLogs('tails', 'few', 'tails.few.1', 1, [line('f1'), line('f2')]);
      for (let attempt = 1; attempt <= 3; attempt++)
        for (let seq = 1; seq <= 2; seq++)
          await store.appendLogs('tails', 'many', `tails.many.${attempt}`, seq, [
            line(`m${attempt}.${seq}.a`),
            line(`m${attempt}.${seq}.b`),
          ]);
      await store.appendLogs('tails', 'wide', 'tails.wide.1', 1, [line('w1'), line(long)]);
      await store.appendLogs('tails-other', 'few', 'tails-other.few.1', 1, [line('not this run')]);

      const tails = await store.getRunLogTails('tails', 5);
      expect([...tails.keys()].sort()).toEqual(['few', 'many', 'wide']);
      expect(tails.get('few')).toEqual({
        total: 2,
        tail: [1, 2].map((i) => ({
          stepId: 'few',
          taskId: 'tails.few.1',
          seq: 1,
          stream: 'stderr',
          text: `f${i}`,
          ts: 7,
        })),
      });
      expect(tails.get('many')!.total).toBe(12);
      expect(tails.get('many')!.tail.map((l) => l.text)).toEqual(['m2.2.b', 'm3.1.a', 'm3.1.b', 'm3.2.a', 'm3.2.b']);
      expect(tails.get('wide')!.tail.map((l) => l.text.length)).toEqual([2, 100_000]);
      for (const step of ['few', 'many', 'wide', 'none'])
        expect(tails.get(step) ?? { total: 0, tail: [] }).toEqual(await store.getLogTail('tails', step, 5));
      expect((await store.getRunLogTails('tails', 1)).get('many')).toMatchObject({
        total: 12,
        tail: [{ text: 'm3.2.b' }],
      });
      expect((await store.getRunLogTails('no-such-run', 5)).size).toBe(0);
    });

    it('pages through waiting entries in queue order, each page after the last of the one before', async () => {
      const priorities = [0, 3, -2, 3, 0, 1000, -1000, 3, 0, 1];
      for (const [i, p] of priorities.entries()) await store.createRun(run(`pg${i}`), [], undefined, entry('paged', p));
      await store.updateQueueEntry('pg4', { admitted: true });
      const order = [5, 1, 3, 7, 9, 0, 8, 2, 6].map((i) => `pg${i}`);
      const seen: string[] = [];
      let page = await store.waitingRuns('paged', 4);
      while (page.length > 0) {
        expect(page.length).toBeLessThanOrEqual(4);
        seen.push(...page.map((w) => w.run.id));
        page = await store.waitingRuns('paged', 4, page.at(-1)!.queue);
      }
      expect(seen).toEqual(order);
      expect(await store.waitingRuns('nobody', 4)).toEqual([]);
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'caravan-store-queue-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
queueSuite('sqlite', async () => new SqliteEngineStore(join(tmp, 'engine.db')));

const schema = `engine_queue_test_${process.pid}_${Date.now()}`;
queueSuite('postgres', async () => PostgresEngineStore.open(postgresUrl, schema), !hasPostgres);
afterAll(async () => {
  if (!hasPostgres) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});
