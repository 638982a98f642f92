import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../test/services.js';
import { PostgresEngineStore } from '../src/store/postgres.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import type { EngineStore, RunRecord, StepRecord } from '../src/store/types.js';

function run(id: string, createdAt: number): RunRecord {
  return {
    id,
    pipelineName: 'p',
    file: 'p.yml',
    source: 'version: "1"',
    pipeline: { version: '1', name: 'p', priority: 0, params: {}, envs: {}, secrets: [], steps: [], file: 'p.yml' },
    params: { n: 1 },
    actions: { a: { name: 'caravan/echo', range: '^1', version: '1.0.0', integrity: 'sha512-x', source: 'builtin' } },
    secretNames: ['TOKEN'],
    executor: 'process',
    concurrency: 2,
    status: 'queued',
    cancelRequested: false,
    createdAt,
  };
}
const step = (runId: string, stepId: string, order: number): StepRecord => ({
  runId,
  stepId,
  status: 'queued',
  attempt: 0,
  outputs: {},
  order,
});

function storeSuite(name: string, open: () => Promise<EngineStore>, skip = false): void {
  describe.skipIf(skip)(`EngineStore (${name})`, () => {
    let store: EngineStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores a run with its steps and reads them back', async () => {
      await store.createRun(run('r1', 1000), [step('r1', 'b', 1), step('r1', 'a', 0)]);
      const r = await store.getRun('r1');
      expect(r?.actions.a?.version).toBe('1.0.0');
      expect(r?.params).toEqual({ n: 1 });
      expect(r?.cancelRequested).toBe(false);
      expect((await store.getSteps('r1')).map((s) => s.stepId)).toEqual(['a', 'b']);
      expect(await store.getRun('missing')).toBeUndefined();
    });

    it('refuses a second run with the same id and keeps the first', async () => {
      await expect(store.createRun({ ...run('r1', 5), pipelineName: 'other' }, [])).rejects.toThrow();
      expect((await store.getRun('r1'))?.pipelineName).toBe('p');
    });

    it('updates steps and runs, clearing fields set to undefined', async () => {
      await store.updateStep('r1', 'a', {
        status: 'running',
        attempt: 1,
        taskId: 'r1.a.1',
        startedAt: 10,
        retryAt: 99,
      });
      await store.updateStep('r1', 'a', {
        status: 'success',
        outputs: { x: '1' },
        exitCode: 0,
        endedAt: 20,
        retryAt: undefined,
      });
      const a = (await store.getSteps('r1'))[0]!;
      expect(a).toMatchObject({
        status: 'success',
        attempt: 1,
        taskId: 'r1.a.1',
        outputs: { x: '1' },
        exitCode: 0,
        startedAt: 10,
        endedAt: 20,
      });
      expect(a.retryAt).toBeUndefined();
      await store.updateRun('r1', { cancelRequested: true, status: 'running', enginePid: 42 });
      expect(await store.getRun('r1')).toMatchObject({ cancelRequested: true, status: 'running', enginePid: 42 });
      expect(await store.isCancelRequested('r1')).toBe(true);
      expect(await store.isCancelRequested('missing')).toBe(false);
    });

    it('lists runs newest first', async () => {
      await store.createRun(run('r2', 2000), []);
      expect((await store.listRuns(10)).map((r) => r.id).slice(0, 2)).toEqual(['r2', 'r1']);
      expect(await store.listRuns(1)).toHaveLength(1);
    });

    it('ignores a log batch whose seq the task already sent', async () => {
      const e = [
        { stream: 'stdout' as const, text: 'hello', ts: 1 },
        { stream: 'stderr' as const, text: 'world', ts: 2 },
      ];
      expect(await store.appendLogs('r1', 'a', 'r1.a.1', 1, e)).toBe(true);
      expect(await store.appendLogs('r1', 'a', 'r1.a.1', 1, [{ stream: 'stdout', text: 'again', ts: 3 }])).toBe(false);
      expect(await store.appendLogs('r1', 'a', 'r1.a.2', 1, [{ stream: 'stdout', text: 'retry', ts: 4 }])).toBe(true);
      expect((await store.getLogs('r1', 'a')).map((l) => l.text)).toEqual(['hello', 'world', 'retry']);
      expect(await store.getLogs('r1', 'b')).toEqual([]);
      expect((await store.getLogs('r1')).length).toBe(3);
    });

    it('stores a large batch line by line, in order, with any text', async () => {
      const texts = [
        'quote " and \\ backslash',
        'tab\there\r',
        'emoji 😀 é ✓',
        '',
        'ctl \u0001\u001b[31m',
        '[1,2]',
        'null',
      ];
      const entries = Array.from({ length: 10_000 }, (_, i) => ({
        stream: (i % 1000 < 990 ? 'stdout' : 'stderr') as 'stdout' | 'stderr',
        text: `${texts[i % texts.length]} #${i}`,
        ts: 1000 + Math.floor(i / 3000),
      }));
      expect(await store.appendLogs('r1', 'big', 'r1.big.1', 1, entries)).toBe(true);
      const stored = await store.getLogs('r1', 'big');
      expect(stored.map(({ stream, text, ts }) => ({ stream, text, ts }))).toEqual(entries);
    });

    it('stores NUL and lone surrogates as U+FFFD on both stores (PostgreSQL text cannot hold NUL)', async () => {
      const e = [
        { stream: 'stdout' as const, text: 'nul \u0000 here', ts: 1 },
        { stream: 'stdout' as const, text: 'lone \ud800 high, \udc00 low, pair \ud83d\ude00', ts: 1 },
      ];
      expect(await store.appendLogs('r1', 'odd', 'r1.odd.1', 1, e)).toBe(true);
      expect((await store.getLogs('r1', 'odd')).map((l) => l.text)).toEqual([
        'nul \ufffd here',
        'lone \ufffd high, \ufffd low, pair 😀',
      ]);
    });

    it('stores file references (last write wins) and events in order', async () => {
      await store.putFile({ runId: 'r1', stepId: 'a', name: 'report', sha256: 'aa', size: 1 });
      await store.putFile({ runId: 'r1', stepId: 'a', name: 'report', sha256: 'bb', size: 2 });
      expect(await store.getFiles('r1')).toEqual([{ runId: 'r1', stepId: 'a', name: 'report', sha256: 'bb', size: 2 }]);
      await store.addEvent({ runId: 'r1', stepId: 'a', type: 'step.running', data: { attempt: 1 }, ts: 5 });
      await store.addEvent({ runId: 'r1', type: 'run.success', data: {}, ts: 6 });
      const ev = await store.getEvents('r1');
      expect(ev.map((e) => e.type)).toEqual(['step.running', 'run.success']);
      expect(ev[1]?.stepId).toBeUndefined();
    });

    it('rejects an unknown field in a patch', async () => {
      await expect(store.updateStep('r1', 'a', { bogus: 1 } as never)).rejects.toThrow(/unknown step field "bogus"/);
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'caravan-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
storeSuite('sqlite', async () => new SqliteEngineStore(join(tmp, 'engine.db')));

const schema = `engine_test_${process.pid}_${Date.now()}`;
storeSuite('postgres', async () => PostgresEngineStore.open(postgresUrl, schema), !hasPostgres);
afterAll(async () => {
  if (!hasPostgres) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

describe('PostgresEngineStore.open', () => {
  it('fails with a clear error naming the variable when the server is unreachable, without the password', async () => {
    const err = await PostgresEngineStore.open('postgres://u:hunter22@127.0.0.1:1/x').catch((e: Error) => e);
    expect(String(err)).toMatch(/cannot open the engine store.*CARAVAN_DATABASE_URL/);
    expect(String(err)).not.toContain('hunter22');
  });
});
