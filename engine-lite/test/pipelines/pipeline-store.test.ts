/** Registered pipelines and trigger claims in both engine stores: revisions, removal, ticks, deliveries. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../../test/services.js';
import { pipelineStoreOf } from '../../src/pipelines/pipeline-store.js';
import { PostgresEngineStore } from '../../src/store/postgres.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import type { EngineStore, RunRecord } from '../../src/store/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'caravan-pstore-'));
const schema = `caravan_pstore_test_${process.pid}`;

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (!hasPostgres) return;
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

function run(id: string): RunRecord {
  return {
    id,
    pipelineName: 'p',
    file: 'p.yml',
    source: '',
    pipeline: { version: '1', name: 'p', priority: 0, params: {}, envs: {}, secrets: [], steps: [], file: 'p.yml' },
    params: {},
    actions: {},
    secretNames: [],
    executor: 'process',
    concurrency: 0,
    status: 'queued',
    cancelRequested: false,
    createdAt: 1,
    event: { ref: 'refs/heads/main' },
  };
}

function suite(kind: string, open: () => Promise<EngineStore>, skip = false): void {
  describe.skipIf(skip)(`registered pipelines on ${kind}`, () => {
    it('numbers revisions, hides a removed pipeline, and continues the numbering when it is added again', async () => {
      const store = await open();
      const p = pipelineStoreOf(store);
      expect((await p.add('web', 'a', 'a.yml', 10)).revision).toBe(1);
      expect((await p.add('web', 'b', 'b.yml', 20)).revision).toBe(2);
      await p.add('api', 'c', 'c.yml', 30);
      expect((await p.list()).map((r) => [r.name, r.revision])).toEqual([
        ['api', 1],
        ['web', 2],
      ]);
      expect((await p.get('web', 1))?.source).toBe('a');
      expect(await p.remove('web', 40)).toBe(true);
      expect(await p.remove('web', 41)).toBe(false);
      expect(await p.get('web')).toBeUndefined();
      expect((await p.list()).map((r) => r.name)).toEqual(['api']);
      expect((await p.add('web', 'd', 'd.yml', 50)).revision).toBe(3);
      await store.close();
    });

    it('stores a run with its claim once, keeps its event, and lets a delivery id count again after its window', async () => {
      const store = await open();
      const p = pipelineStoreOf(store);
      const tick = { kind: 'tick' as const, pipeline: 'web', schedule: 0, tick: 1000 };
      expect(await store.createRun(run(`${kind}-r1`), [], tick)).toBe(true);
      expect(await store.createRun(run(`${kind}-r2`), [], tick)).toBe(false);
      expect(await store.getRun(`${kind}-r2`)).toBeUndefined();
      expect((await store.getRun(`${kind}-r1`))?.event).toEqual({ ref: 'refs/heads/main' });
      expect(await p.lastTick('web', 0)).toBe(1000);
      expect(await p.lastTick('web', 1)).toBeUndefined();
      const delivery = (at: number) => ({
        kind: 'delivery' as const,
        pipeline: 'web',
        delivery: 'd1',
        at,
        since: at - 100,
      });
      expect(await store.createRun(run(`${kind}-r3`), [], delivery(5000))).toBe(true);
      expect(await store.createRun(run(`${kind}-r4`), [], delivery(5050))).toBe(false);
      expect(await p.deliveryRun('web', 'd1', 4950)).toBe(`${kind}-r3`);
      expect(await store.createRun(run(`${kind}-r5`), [], delivery(5200))).toBe(true);
      expect(await p.deliveryRun('web', 'd1', 5100)).toBe(`${kind}-r5`);
      await store.close();
    });
  });
}

suite('sqlite', async () => new SqliteEngineStore(join(tmp, 'engine.db')));
suite('postgres', async () => PostgresEngineStore.open(postgresUrl, schema), !hasPostgres);
