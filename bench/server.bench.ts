/**
 * caravan server: (1) per-step overhead of a run submitted over HTTP and driven by the service,
 * against bare `node dist/agent.cjs run -- true` spawns at the same concurrency (goal ≤ 1.3×);
 * (2) 500 runs of 3 steps submitted to a paused queue and drained (no-op executor, one run at a
 * time), their start order checked against priority then FIFO, beside the same runs executed
 * directly by the engine; (3) `GET /v1/runs/{id}` throughput (autocannon) against a static
 * `node:http` answer of the same body; (4) `GET /v1/runs` (a page of 50) and `GET /metrics` with
 * 10,000 runs in the store, each against a static answer of its body.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '@caravan/engine';
import {
  createToken,
  defaultExecutors,
  Engine,
  NoopExecutor,
  serve,
  ServerStore,
  SqliteEngineStore,
} from '@caravan/engine';
import { ExecutorRegistry } from '../engine-lite/src/executors/registry.js';
import { makePipeline } from '../engine-lite/test/helpers/pipeline.js';
import { StubResolver } from '../engine-lite/test/helpers/scripted.js';
import type { Bench, BenchRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const agent = join(root, 'dist', 'agent.cjs');
const steps = Number(process.env.CARAVAN_BENCH_STEPS ?? 200);
const concurrency = Math.max(2, availableParallelism() * 2);
const RUNS = 500;

function yamlOf(name: string, n: number): string {
  const body = Array.from({ length: n }, (_, i) => `  - id: s${i}\n    uses: test/step@^1\n`).join('');
  return `version: "1"\nname: ${name}\nsteps:\n${body}`;
}

async function withServer<T>(
  opts: { noop?: boolean; maxRuns?: number; maxSteps?: number },
  fn: (s: RunningServer, token: string) => Promise<T>,
): Promise<T> {
  const data = mkdtempSync(join(tmpdir(), 'caravan-bench-server-'));
  const tokens = new ServerStore(join(data, 'server.db'));
  const token = createToken(tokens, 'bench', 'runner');
  tokens.close();
  const executors = opts.noop
    ? new ExecutorRegistry().add(new NoopExecutor())
    : defaultExecutors({ stateDir: join(data, 'tasks'), agentPath: agent });
  const s = await serve({
    data,
    port: 0,
    maxRuns: opts.maxRuns ?? 32,
    maxSteps: opts.maxSteps ?? concurrency,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
    engine: { executors, resolver: new StubResolver({}), concurrency },
  });
  try {
    return await fn(s, token);
  } finally {
    await s.stop();
    await s.service.engine.close();
    await s.service.store.close();
    rmSync(data, { recursive: true, force: true });
  }
}

async function post(s: RunningServer, token: string, path: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/** Resolves when the run's event stream ends (the run ended). */
async function untilEnded(s: RunningServer, token: string, id: string): Promise<void> {
  const res = await fetch(`${s.url}/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
  await res.text();
}

async function bareSpawns(n: number, limit: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [agent, 'run', '--', 'true'], { stdio: 'ignore' });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`agent exited ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return performance.now() - t0;
}

async function perStepOverhead(): Promise<BenchRow> {
  const base = await bareSpawns(steps, concurrency);
  const ms = await withServer({}, async (s, token) => {
    const t0 = performance.now();
    const { id } = await post(s, token, '/v1/runs', { pipeline: yamlOf('wide', steps) });
    await untilEnded(s, token, id);
    return performance.now() - t0;
  });
  return {
    name: `${steps} no-op steps through the server (process)`,
    value: ms / 1000,
    unit: 's',
    baseline: base / 1000,
    baselineName: `bare agent ×${concurrency}`,
    goal: '<= 1.3x baseline',
    met: ms <= base * 1.3,
  };
}

/** The same runs, created and executed one after another by an engine with no service around it. */
async function directRuns(n: number): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'caravan-bench-direct-'));
  const store = new SqliteEngineStore(join(home, 'engine.db'));
  const engine = await Engine.start({
    store,
    home,
    executors: new ExecutorRegistry().add(new NoopExecutor()),
    resolver: new StubResolver({}),
  });
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const run = await engine.createRun({
        pipeline: makePipeline([{ id: 'a' }, { id: 'b' }, { id: 'c' }]),
        source: '',
        executor: 'noop',
      });
      await engine.execute(run.id);
    }
    return performance.now() - t0;
  } finally {
    await engine.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function drainQueue(): Promise<BenchRow> {
  const base = await directRuns(RUNS);
  const { ms, inOrder } = await withServer({ noop: true, maxRuns: 1 }, async (s, token) => {
    s.service.pauseQueue();
    const submitted: Array<{ id: string; priority: number; seq: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const priority = (i * 7) % 5;
      const { id } = await post(s, token, '/v1/runs', { pipeline: yamlOf('q', 3), priority, executor: 'noop' });
      submitted.push({ id, priority, seq: i });
    }
    const started: string[] = [];
    let ended = 0;
    let allDone!: () => void;
    const done = new Promise<void>((r) => (allDone = r));
    const off = s.service.engine.on((e) => {
      if (e.type !== 'run') return;
      if (e.status === 'running') started.push(e.runId);
      else if (++ended === RUNS) allDone();
    });
    const t0 = performance.now();
    await s.service.resumeQueue();
    await done;
    off();
    const expected = [...submitted].sort((a, b) => b.priority - a.priority || a.seq - b.seq).map((r) => r.id);
    return { ms: performance.now() - t0, inOrder: JSON.stringify(started) === JSON.stringify(expected) };
  });
  return {
    name: `${RUNS} runs × 3 steps drained from the queue`,
    value: ms / 1000,
    unit: 's',
    baseline: base / 1000,
    baselineName: 'engine, run after run',
    goal: 'order right, <= 3x',
    met: inOrder && ms <= base * 3,
    detail: inOrder ? 'started by priority, then FIFO' : 'START ORDER WRONG',
  };
}

async function rate(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, headers, connections: 10, duration: 3 });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  return result.requests.average;
}

async function getThroughput(): Promise<BenchRow> {
  return withServer({}, async (s, token) => {
    const { id } = await post(s, token, '/v1/runs', { pipeline: yamlOf('read', 3) });
    await untilEnded(s, token, id);
    const body = await (
      await fetch(`${s.url}/v1/runs/${id}`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    const staticServer = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(body),
    );
    await new Promise<void>((r) => staticServer.listen(0, '127.0.0.1', r));
    try {
      const port = (staticServer.address() as AddressInfo).port;
      const base = await rate(`http://127.0.0.1:${port}/`, {});
      const served = await rate(`${s.url}/v1/runs/${id}`, { authorization: `Bearer ${token}` });
      return {
        name: 'GET /v1/runs/{id} (3 steps)',
        value: served,
        unit: 'req/s',
        baseline: base,
        baselineName: 'static node:http',
        goal: '>= 0.1x baseline',
        met: served >= base * 0.1,
      };
    } finally {
      staticServer.close();
    }
  });
}

const STORED = 10_000;

/** Runs stored as a server's would be (ended, with queue entries), without driving them. */
async function storeRuns(s: RunningServer, n: number): Promise<void> {
  const pipeline = makePipeline([{ id: 'a' }]);
  const statuses = ['success', 'failed', 'cancelled'] as const;
  for (let i = 0; i < n; i++) {
    const id = `${(1_700_000_000_000 + i).toString(36)}-${i.toString(16).padStart(6, '0')}`;
    await s.service.store.createRun(
      {
        id,
        pipelineName: `p${i % 20}`,
        file: 'p.yml',
        source: '',
        pipeline,
        params: {},
        actions: {},
        secretNames: [],
        executor: 'noop',
        concurrency: 1,
        status: statuses[i % 3]!,
        cancelRequested: false,
        createdAt: 1_700_000_000_000 + i,
      },
      [],
      undefined,
      { owner: 'another-server', priority: 0, labels: { team: `t${i % 7}` } },
    );
  }
}

async function listThroughput(): Promise<BenchRow[]> {
  return withServer({ noop: true }, async (s, token) => {
    await storeRuns(s, STORED);
    const rows: BenchRow[] = [];
    for (const [name, path] of [
      [`GET /v1/runs (page of 50, ${STORED} runs)`, '/v1/runs?limit=50'],
      [`GET /metrics (${STORED} runs)`, '/metrics'],
    ] as const) {
      const headers = { authorization: `Bearer ${token}` };
      const res = await fetch(`${s.url}${path}`, { headers });
      const body = await res.text();
      const staticServer = createServer((_req, r) => r.writeHead(200).end(body));
      await new Promise<void>((r) => staticServer.listen(0, '127.0.0.1', r));
      try {
        const base = await rate(`http://127.0.0.1:${(staticServer.address() as AddressInfo).port}/`, {});
        const served = await rate(`${s.url}${path}`, headers);
        const goal = '>= 0.02x baseline';
        rows.push({
          name,
          value: served,
          unit: 'req/s',
          baseline: base,
          baselineName: 'static node:http',
          goal,
          met: served >= base * 0.02,
        });
      } finally {
        staticServer.close();
      }
    }
    return rows;
  });
}

const bench: Bench = {
  title: 'caravan server',
  async run() {
    return [await perStepOverhead(), await drainQueue(), await getThroughput(), ...(await listThroughput())];
  },
};

export default bench;
