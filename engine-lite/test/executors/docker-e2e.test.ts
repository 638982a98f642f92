/**
 * End to end on the docker executor through Podman: the engine runs a pipeline of built-in
 * actions in a locally built image (busybox + Node), the agent bind-mounted into each container.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
/** Long enough for the cancel test's action to finish its SIGTERM handler on a loaded machine. */
const GRACE = 5;

let home: string;
let store: SqliteEngineStore;
let engine: Engine;
let docker: DockerExecutor;
/** Bind-mounted at /markers in every container: files the test and the steps exchange. */
let markers: string;

/** Polls (no deadline of its own: the test's timeout is the bound) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(50);
}

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
    markers = join(home, 'markers');
    mkdirSync(markers);
    chmodSync(markers, 0o777);
    store = new SqliteEngineStore(join(home, 'engine.db'));
    docker = createDockerExecutor({
      dockerHost,
      agentDir: portableAgentDir(),
      defaultImage: ensureNodeImage(),
      graceSeconds: GRACE,
      stateDir: join(home, 'docker-state'),
      binds: [`${markers}:/markers`],
    });
    engine = await Engine.start({
      store,
      home,
      executors: new ExecutorRegistry().add(docker),
      resolver: new DefaultActionResolver(builtinActionsDir()),
      secrets: { API_TOKEN: SECRET },
      graceSeconds: GRACE,
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

  it('runs independent steps side by side: the short one ends while the long one still runs', async () => {
    const created = await engine.createRun({
      pipeline: makePipeline([
        // Ends only once the test has seen the short step succeed.
        shell('long', 'while [ ! -f /markers/parallel-go ]; do sleep 0.1; done\necho "saw=go" >> "$CARAVAN_OUTPUT"'),
        shell('short', 'echo "said=hi" >> "$CARAVAN_OUTPUT"'),
      ]),
      source: '',
      executor: 'docker',
    });
    const done = engine.execute(created.id);
    const stepsNow = async () => Object.fromEntries((await store.getSteps(created.id)).map((s) => [s.stepId, s]));
    await until(async () => (await stepsNow()).short?.status === 'success');
    expect((await stepsNow()).long?.status).toBe('running');
    writeFileSync(join(markers, 'parallel-go'), 'go');
    expect(await done).toBe('success');
    const steps = await stepsNow();
    expect(steps.long?.outputs).toMatchObject({ saw: 'go' });
    expect(steps.short?.outputs).toMatchObject({ said: 'hi' });
    expect(await docker.api.listContainersByLabel(`caravan.run=${created.id}`)).toEqual([]);
  });

  it('cancels a run: the action gets SIGTERM and its grace period, every container is gone', async () => {
    const created = await engine.createRun({
      pipeline: makePipeline([
        shell(
          'trapper',
          [
            // On SIGTERM: a marker, work that takes a while, a second marker.
            "trap 'echo term > /markers/cancel-term; sleep 1; echo graceful > /markers/cancel-graceful; exit 1' TERM",
            'echo ready > /markers/cancel-ready',
            'while :; do sleep 0.1; done',
          ].join('\n'),
        ),
        shell('sleeper', 'while :; do sleep 0.1; done'),
        shell('never', 'echo should not run', { needs: ['trapper'] }),
      ]),
      source: '',
      executor: 'docker',
    });
    const done = engine.execute(created.id);
    await until(() => existsSync(join(markers, 'cancel-ready')));
    await until(
      async () => (await store.getSteps(created.id)).find((s) => s.stepId === 'sleeper')?.status === 'running',
    );
    await engine.cancel(created.id);
    expect(await done).toBe('cancelled');
    expect(readFileSync(join(markers, 'cancel-term'), 'utf8').trim()).toBe('term');
    expect(readFileSync(join(markers, 'cancel-graceful'), 'utf8').trim()).toBe('graceful');
    const steps = Object.fromEntries((await store.getSteps(created.id)).map((s) => [s.stepId, s]));
    expect(steps.trapper?.status).toBe('cancelled');
    expect(steps.sleeper?.status).toBe('cancelled');
    expect(steps.never?.status).toBe('cancelled');
    expect(await docker.api.listContainersByLabel(`caravan.run=${created.id}`)).toEqual([]);
  });
});
