/**
 * The docker executor through Podman's Docker API: N no-op container steps run by the engine
 * (each `true` under the agent, with its callback, store writes and container removal) against N
 * bare `podman run --rm IMAGE true` on the same daemon at the same concurrency (goal ≤ 1.2×), and
 * against the Docker API calls such a run makes (create, start, wait, remove), and against the
 * executor with its agent alone (no engine: the agent's share, then the engine's). Serial (a chain of
 * steps) shows the cost of one step; wide (independent steps) that steps run side by side.
 * Engine and baselines alternate, three times each, so drift in the machine's load hits both alike.
 * `CARAVAN_BENCH_DOCKER_STEPS` changes N (default 10). Skipped when Podman's API is not running.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ActionSpec } from '@caravan/spec';
import type { ActionResolver, LoadedAction } from '../engine-lite/src/actions/resolver.js';
import { Engine } from '../engine-lite/src/engine.js';
import { DockerApi } from '../engine-lite/src/executors/docker-api.js';
import { createDockerExecutor } from '../engine-lite/src/executors/docker.js';
import { ExecutorRegistry } from '../engine-lite/src/executors/registry.js';
import { SqliteEngineStore } from '../engine-lite/src/store/sqlite.js';
import { ensureBusyboxImage, podmanEnv } from '../engine-lite/test/helpers/images.js';
import { deep, makePipeline, wide } from '../engine-lite/test/helpers/pipeline.js';
import { portableAgentDir } from '../engine-lite/test/helpers/portable-agent.js';
import { dockerHost, hasPodman } from '../test/services.js';
import type { Bench, BenchRow } from './lib.js';

const run = promisify(execFile);
const steps = Number(process.env.CARAVAN_BENCH_DOCKER_STEPS ?? 10);
const concurrency = 4;
const ROUNDS = 3;

/** An action that runs `true` in the bench image, from a real folder (the executor bind-mounts it). */
class TrueResolver implements ActionResolver {
  constructor(
    private readonly dir: string,
    private readonly image: string,
  ) {}

  async resolve(name: string, range: string): Promise<LoadedAction> {
    return this.load({ name, range, version: '1.0.0', integrity: `sha512-${name}`, source: 'registry' });
  }

  async load(resolved: LoadedAction['resolved']): Promise<LoadedAction> {
    const spec: ActionSpec = {
      name: resolved.name,
      version: resolved.version,
      description: '',
      inputs: {},
      outputs: {},
      runs: { image: this.image, command: 'true' },
      files: [],
      caches: [],
    };
    return { resolved, spec, dir: this.dir };
  }
}

/** Runs `n` jobs, at most `limit` at once; resolves to the wall-clock milliseconds. */
async function pooled(n: number, limit: number, job: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return performance.now() - t0;
}

const bench: Bench = {
  title: `docker executor through Podman (${steps} steps, concurrency ${concurrency} when wide)`,
  async run(): Promise<BenchRow[]> {
    if (!hasPodman) {
      console.log('(skipped: Podman’s Docker API is not running; start it with scripts/services.sh)');
      return [];
    }
    const image = ensureBusyboxImage();
    const home = mkdtempSync(join(tmpdir(), 'caravan-bench-docker-'));
    const actionDir = join(home, 'action');
    mkdirSync(actionDir);
    const store = new SqliteEngineStore(join(home, 'engine.db'));
    const docker = createDockerExecutor({
      dockerHost,
      agentDir: portableAgentDir(),
      stateDir: join(home, 'docker-state'),
      defaultImage: image,
    });
    const engine = await Engine.start({
      store,
      home,
      executors: new ExecutorRegistry().add(docker),
      resolver: new TrueResolver(actionDir, image),
      concurrency,
    });
    const api = new DockerApi({ host: dockerHost });
    let serial = 0;
    const bareCli = (n: number, limit: number) =>
      pooled(n, limit, async () => {
        await run('podman', ['--url', dockerHost, 'run', '--rm', '--network', 'host', image, 'true'], {
          env: podmanEnv(),
        });
      });
    const bareApi = (n: number, limit: number) =>
      pooled(n, limit, async () => {
        const id = await api.createContainer(`caravan-bench-bare-${process.pid}-${serial++}`, {
          Image: image,
          Cmd: ['true'],
          HostConfig: { NetworkMode: 'host' },
        });
        if (!id) throw new Error('bench: container name taken');
        await api.startContainer(id);
        await api.waitContainer(id);
        await api.removeContainer(id);
      });
    // The executor and its agent without the engine: no callback, store or scheduling.
    const viaExecutor = (n: number, limit: number) =>
      pooled(n, limit, async () => {
        const taskId = `bench-${process.pid}.exec.${serial++}`;
        const workspace = join(home, 'exec', taskId);
        mkdirSync(workspace, { recursive: true });
        const ids = { taskId, runId: `bench-${process.pid}`, stepId: 'exec' };
        const context = { ...ids, secrets: {}, params: {}, env: {}, watch: [], files: [] };
        await docker.create({ ...ids, attempt: 1, command: ['true'], image, workspace, actionDir, context });
        await docker.start(taskId);
        const state = await docker.wait(taskId);
        if (state.phase !== 'exited' || state.exitCode !== 0) throw new Error(`bench task ended ${state.phase}`);
        await docker.remove(taskId);
      });
    const viaEngine = async (shape: 'wide' | 'deep', n: number) => {
      const created = await engine.createRun({
        pipeline: makePipeline(shape === 'wide' ? wide(n) : deep(n)),
        source: '',
        executor: 'docker',
        concurrency,
      });
      const t0 = performance.now();
      const status = await engine.execute(created.id);
      if (status !== 'success') throw new Error(`bench run ended ${status}`);
      return performance.now() - t0;
    };
    const rows: BenchRow[] = [];
    try {
      // Warm-up: the executor's delivery probe, image layers in the page cache, the JIT.
      await viaEngine('wide', 2);
      await bareCli(2, 2);
      await bareApi(2, 2);
      await viaExecutor(2, 2);
      for (const shape of ['deep', 'wide'] as const) {
        const limit = shape === 'wide' ? concurrency : 1;
        let cli = 0;
        let apiMs = 0;
        let engineMs = 0;
        let executorMs = 0;
        for (let round = 0; round < ROUNDS; round++) {
          cli += await bareCli(steps, limit);
          engineMs += await viaEngine(shape, steps);
          apiMs += await bareApi(steps, limit);
          executorMs += await viaExecutor(steps, limit);
        }
        const perStep = (ms: number) => ms / (ROUNDS * steps);
        rows.push({
          name: `${steps} no-op steps ${shape} (docker executor)`,
          value: perStep(engineMs),
          unit: 'ms/step',
          baseline: perStep(cli),
          baselineName: `podman run --rm ×${limit}`,
          goal: '<= 1.2x baseline',
          met: engineMs <= cli * 1.2,
        });
        rows.push({
          name: `  same, against bare API create/start/wait/rm`,
          value: perStep(engineMs),
          unit: 'ms/step',
          baseline: perStep(apiMs),
          baselineName: `API run ×${limit}`,
          goal: 'none (stricter view)',
          met: true,
        });
        // Where the gap lies: the agent in the container (executor alone against the bare API
        // calls), then the engine's own share (callback, store, scheduling) against the executor alone.
        rows.push({
          name: `  executor + agent alone (no engine), against bare API`,
          value: perStep(executorMs),
          unit: 'ms/step',
          baseline: perStep(apiMs),
          baselineName: `API run ×${limit}`,
          goal: "none (the agent's share)",
          met: true,
        });
        rows.push({
          name: `  engine, against executor + agent alone`,
          value: perStep(engineMs),
          unit: 'ms/step',
          baseline: perStep(executorMs),
          baselineName: `executor alone ×${limit}`,
          goal: "none (the engine's share)",
          met: true,
        });
      }
    } finally {
      await engine.close();
      await store.close();
      await docker.close();
      await api.close();
      rmSync(home, { recursive: true, force: true });
    }
    return rows;
  },
};

export default bench;
