/**
 * What a run page reads of its logs: every step's line count and last 200 lines, for a run of 200
 * steps (0 to 399 lines each) on PostgreSQL (SQLite when none runs). Before: two queries per step (`getLogTail`, 400
 * round trips). After: one query for the run (`getRunLogTails`). Both go through the page's own
 * `logTails` in the same run, alternating, so the ratio is what the change bought.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresEngineStore } from '../engine-lite/src/store/postgres.js';
import { SqliteEngineStore } from '../engine-lite/src/store/sqlite.js';
import type { EngineStore, StepLogTail } from '../engine-lite/src/store/types.js';
import { logTails } from '../engine-lite/src/server/pages/log-tail.js';
import { hasPostgres, postgresUrl } from '../test/services.js';
import type { BenchRow } from './lib.js';

const STEPS = 200;
const ROUNDS = 5;
const LINE = 'a fairly long line of build output that repeats itself over and over again';
const steps = Array.from({ length: STEPS }, (_, i) => `s${i}`);
/** From none to 399 lines: most steps fewer than a tail's 200, some more. */
const linesOf = (i: number): number => (i * 37) % 400;

async function seed(store: EngineStore): Promise<string> {
  const id = 'bench-tails';
  const pipeline = { version: '1', name: 'wide', priority: 0, params: {}, envs: {}, secrets: [], steps: [], file: 'p' };
  await store.createRun(
    {
      ...{ id, pipelineName: 'wide', file: 'p', source: '', pipeline, params: {}, actions: {}, secretNames: [] },
      ...{ executor: 'noop', concurrency: 1, status: 'running', cancelRequested: false, createdAt: 0 },
    },
    [],
  );
  for (const [i, step] of steps.entries())
    for (let seq = 0; seq * 100 < linesOf(i); seq++)
      await store.appendLogs(
        id,
        step,
        `${id}.${step}.1`,
        seq,
        Array.from({ length: Math.min(100, linesOf(i) - seq * 100) }, () => ({
          stream: 'stdout' as const,
          text: LINE,
          ts: 0,
        })),
      );
  return id;
}

/** Page reads per second, each way, measured in alternating rounds. */
async function measure(store: EngineStore, id: string): Promise<{ before: number; after: number }> {
  const perStep = async (limit: number) => {
    const out = new Map<string, StepLogTail>();
    for (const step of steps) out.set(step, await store.getLogTail(id, step, limit));
    return out;
  };
  const perRun = (limit: number) => store.getRunLogTails(id, limit);
  const spent = { before: 0, after: 0 };
  let reads = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [way, read] of [
      ['before', perStep],
      ['after', perRun],
    ] as const) {
      const start = performance.now();
      const tails = await logTails(read, steps);
      spent[way] += performance.now() - start;
      if (tails.get('s199')?.total !== linesOf(199)) throw new Error(`${way}: wrong tail`);
    }
    reads++;
  }
  return { before: (reads * 1000) / spent.before, after: (reads * 1000) / spent.after };
}

export async function runPageTails(): Promise<BenchRow> {
  const schema = `bench_tails_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'caravan-bench-tails-'));
  const store = hasPostgres
    ? await PostgresEngineStore.open(postgresUrl, schema)
    : new SqliteEngineStore(join(dir, 'engine.db'));
  try {
    const { before, after } = await measure(store, await seed(store));
    // SQLite has no round trips to save: there the one query must only not cost more.
    const goal = store.kind === 'postgres' ? 1.5 : 0.8;
    return {
      name: `run page log tails (${STEPS} steps, ${store.kind})`,
      value: after,
      unit: 'pages/s',
      baseline: before,
      baselineName: 'per-step getLogTail',
      goal: `>= ${goal}x baseline`,
      met: after >= before * goal,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    if (hasPostgres) {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  }
}
