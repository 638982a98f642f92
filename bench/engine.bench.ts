/**
 * engine-lite: (1) 200 no-op steps (a wide DAG and a deep one) on the process executor against 200
 * bare `node dist/agent.cjs run -- true` spawns at the same concurrency (goal ≤ 1.3×); (2) scheduling
 * throughput with the in-process no-op executor (goal ≥ 5,000 steps/s), beside a plain loop that
 * drives the same executor without the engine. `CARAVAN_BENCH_STEPS` changes the 200.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '@caravan/engine';
import { defaultExecutors } from '@caravan/engine';
import { NoopExecutor } from '@caravan/engine';
import { SqliteEngineStore } from '@caravan/engine';
import { deep, makePipeline, wide } from '../engine-lite/test/helpers/pipeline.js';
import { StubResolver } from '../engine-lite/test/helpers/scripted.js';
import type { Bench, BenchRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const agent = join(root, 'dist', 'agent.cjs');
const steps = Number(process.env.CARAVAN_BENCH_STEPS ?? 200);
const concurrency = Math.max(2, availableParallelism() * 2);

async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const home = mkdtempSync(join(tmpdir(), 'caravan-bench-'));
  const store = new SqliteEngineStore(join(home, 'engine.db'));
  const executors = defaultExecutors({ stateDir: join(home, 'tasks'), agentPath: agent });
  const engine = await Engine.start({ store, home, executors, resolver: new StubResolver({}), concurrency });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Wall-clock and CPU milliseconds of one run of n steps. */
async function timeRun(shape: 'wide' | 'deep', executor: string, n: number): Promise<{ ms: number; cpuMs: number }> {
  return withEngine(async (engine) => {
    const pipeline = makePipeline(shape === 'wide' ? wide(n) : deep(n));
    const run = await engine.createRun({ pipeline, source: '', executor, concurrency });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const status = await engine.execute(run.id);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (status !== 'success') throw new Error(`bench run ended ${status}`);
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  });
}

/** n bare agent spawns, at most `limit` at once; with `context`, each gets that task context file. */
async function bareSpawns(n: number, limit: number, context?: string): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [agent, 'run', ...(context ? ['--context', context] : []), '--', 'true'],
          { stdio: 'ignore' },
        );
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`agent exited ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return performance.now() - t0;
}

/** The same executor calls as the engine makes, in a plain loop: no store, no DAG, no queue. */
async function plainLoop(n: number): Promise<number> {
  const ex = new NoopExecutor();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const taskId = `t${i}`;
    await ex.create({
      taskId,
      runId: 'r',
      stepId: `s${i}`,
      attempt: 1,
      command: ['true'],
      workspace: '/tmp',
      actionDir: '/tmp',
      context: { secrets: {}, params: {}, env: {}, watch: [], files: [] },
    });
    await ex.start(taskId);
    await ex.wait(taskId);
    await ex.remove(taskId);
  }
  return performance.now() - t0;
}

const bench: Bench = {
  title: `engine-lite (${steps} steps, concurrency ${concurrency})`,
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    const throughputSteps = 5000;
    // Warm-up at full size: module loading, SQLite, and the JIT for both shapes.
    await timeRun('wide', 'noop', throughputSteps);
    await timeRun('deep', 'noop', throughputSteps);
    for (const shape of ['wide', 'deep'] as const) {
      const { ms, cpuMs } = await timeRun(shape, 'noop', throughputSteps);
      const base = await plainLoop(throughputSteps);
      const rate = (throughputSteps / ms) * 1000;
      const baseRate = (throughputSteps / base) * 1000;
      rows.push({
        name: `scheduling ${throughputSteps} ${shape} (noop executor)`,
        value: rate,
        unit: 'steps/s',
        baseline: baseRate,
        baselineName: 'plain loop',
        goal: '>= 5000 steps/s',
        met: rate >= 5000,
      });
      // On a shared machine the wall clock mostly measures the wait for a CPU: steps per CPU-second
      // (all of the process's threads, GC and JIT included) is the engine's own cost.
      const cpuRate = (throughputSteps / cpuMs) * 1000;
      rows.push({
        name: `  same, per CPU-second of the engine`,
        value: cpuRate,
        unit: 'steps/s',
        baseline: baseRate,
        baselineName: 'plain loop',
        goal: '>= 5000 steps/s',
        met: cpuRate >= 5000,
      });
    }
    // The agent run with a callback context, as the engine starts it: isolates the engine's own cost.
    const home = mkdtempSync(join(tmpdir(), 'caravan-bench-cb-'));
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const contextFile = join(home, 'context.json');
    writeFileSync(
      contextFile,
      JSON.stringify({
        secrets: {},
        params: {},
        env: {},
        watch: [],
        files: [],
        callback: { url: `http://127.0.0.1:${port}/api/tasks/t`, token: 'x' },
      }),
    );
    try {
      for (const shape of ['wide', 'deep'] as const) {
        const limit = shape === 'wide' ? concurrency : 1;
        const base = await bareSpawns(steps, limit);
        const withCallback = await bareSpawns(steps, limit, contextFile);
        const { ms } = await timeRun(shape, 'process', steps);
        rows.push({
          name: `${steps} no-op steps ${shape} (process executor)`,
          value: ms / 1000,
          unit: 's',
          baseline: base / 1000,
          baselineName: `bare agent ×${limit}`,
          goal: '<= 1.3x baseline',
          met: ms <= base * 1.3,
        });
        rows.push({
          name: `  same, against the agent with a callback`,
          value: ms / 1000,
          unit: 's',
          baseline: withCallback / 1000,
          baselineName: `agent+callback ×${limit}`,
          goal: '<= 1.3x baseline',
          met: ms <= withCallback * 1.3,
        });
      }
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
    return rows;
  },
};

export default bench;
