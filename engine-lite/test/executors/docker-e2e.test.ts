/**
 * End to end on the docker executor through Podman: the engine runs a pipeline of built-in
 * actions in a locally built image (busybox + Node), the agent copied into each container.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { builtinActionsDir, DefaultActionResolver } from '../../src/actions/resolver.js';
import { Engine } from '../../src/engine.js';
import { createDockerExecutor, type DockerExecutor } from '../../src/executors/docker.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { ensureNodeImage } from '../helpers/images.js';
import type { StepInput } from '../helpers/pipeline.js';
import { makePipeline } from '../helpers/pipeline.js';
import { portableAgentDir } from '../helpers/portable-agent.js';

const SECRET = 'tok-DOCKER-987654321';

let home: string;
let store: SqliteEngineStore;
let engine: Engine;
let docker: DockerExecutor;

const shell = (id: string, run: string, extra: Partial<StepInput> = {}): StepInput => ({
  id,
  uses: 'caravan/shell@^1',
  with: { run },
  ...extra,
});

async function run(steps: StepInput[], extra: Parameters<typeof makePipeline>[1] = {}) {
  const created = await engine.createRun({ pipeline: makePipeline(steps, extra), source: '', executor: 'docker' });
  const status = await engine.execute(created.id);
  const recs = Object.fromEntries((await store.getSteps(created.id)).map((s) => [s.stepId, s]));
  return { id: created.id, status, steps: recs };
}

describe.skipIf(!hasPodman)('docker executor end to end (Podman, real agent)', () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'caravan-docker-e2e-'));
    store = new SqliteEngineStore(join(home, 'engine.db'));
    docker = createDockerExecutor({
      dockerHost,
      agentDir: portableAgentDir(),
      defaultImage: ensureNodeImage(),
      graceSeconds: 1,
    });
    engine = await Engine.start({
      store,
      home,
      executors: new ExecutorRegistry().add(docker),
      resolver: new DefaultActionResolver(builtinActionsDir()),
      secrets: { API_TOKEN: SECRET },
      graceSeconds: 1,
      guardSlackSeconds: 5,
      cancelPollMs: 100,
    });
  });

  afterAll(async () => {
    await engine?.close();
    await store?.close();
    await docker?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs three stages in containers, passing an output and a file, and leaves no container behind', async () => {
    const r = await run([
      shell(
        'make',
        'mkdir -p out\necho "built in a container" > out/report.txt\necho "version=1.2.3" >> "$CARAVAN_OUTPUT"\necho "pwd=$(pwd)" >> "$CARAVAN_OUTPUT"',
        {
          files: [{ name: 'report', path: 'out/report.txt' }],
        },
      ),
      shell(
        'use',
        'test "${{ steps.make.outputs.version }}" = 1.2.3\necho "content=$(cat "${{ steps.make.files.report }}")" >> "$CARAVAN_OUTPUT"',
        { needs: ['make'] },
      ),
      {
        id: 'final',
        uses: 'caravan/echo@^1',
        with: { message: 'got: ${{ steps.use.outputs.content }}' },
        needs: ['use'],
      },
    ]);
    expect(r.steps.make?.error).toBeUndefined();
    expect(r.steps.use?.error).toBeUndefined();
    expect(r.status).toBe('success');
    expect(r.steps.make?.outputs).toMatchObject({ version: '1.2.3', pwd: '/workspace' });
    expect(r.steps.use?.outputs.content).toBe('built in a container');
    expect(r.steps.final?.outputs.message).toBe('got: built in a container');
    expect(await docker.api.listContainersByLabel(`caravan.run=${r.id}`)).toEqual([]);
  });

  it('records a failing step with its exit code, and masks secrets', async () => {
    const r = await run([shell('leak', 'echo "token is $API_TOKEN"\necho "bad $API_TOKEN" >&2\nexit 4')], {
      secrets: ['API_TOKEN'],
    });
    expect(r.status).toBe('failed');
    expect(r.steps.leak).toMatchObject({ status: 'failed', exitCode: 4 });
    const everything = JSON.stringify([
      await store.getLogs(r.id),
      await store.getSteps(r.id),
      await store.getRun(r.id),
    ]);
    expect(everything).not.toContain(SECRET);
    expect(everything).toContain('token is ***');
  });

  it('stops a container that runs past its timeout', async () => {
    const r = await run([shell('slow', 'sleep 60', { timeout: 1 })]);
    expect(r.status).toBe('failed');
    expect(r.steps.slow?.status).toBe('timeout');
    expect(await docker.api.listContainersByLabel(`caravan.run=${r.id}`)).toEqual([]);
  });
});
