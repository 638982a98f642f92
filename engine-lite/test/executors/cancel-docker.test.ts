/** `caravan cancel` of a run whose engine is dead, with a task on the docker executor (Podman). */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { cancelRun } from '../../src/cancel-run.js';
import { createDockerExecutor } from '../../src/executors/docker.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { ensureBusyboxImage } from '../helpers/images.js';
import { makePipeline } from '../helpers/pipeline.js';
import { portableAgentDir } from '../helpers/portable-agent.js';

const runId = `dcancel-${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'caravan-docker-cancel-'));
const store = new SqliteEngineStore(join(scratch, 'engine.db'));

afterAll(async () => {
  await store.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A run whose engine died while its step's container ran `script` (the dead engine's executor
 * created and started it, with `grace` seconds for its agent).
 */
async function orphanedRun(name: string, script: string, grace: number) {
  const image = ensureBusyboxImage();
  const id = `${runId}-${name}`;
  const options = { dockerHost, agentDir: portableAgentDir(), stateDir: join(scratch, 'state'), graceSeconds: 30 };
  const taskId = `${id}.long.1`;
  const workspace = join(scratch, name, 'ws');
  const actionDir = join(scratch, name, 'action');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(actionDir, { recursive: true });
  chmodSync(workspace, 0o777);
  writeFileSync(join(actionDir, 'run.sh'), script);
  const dead = createDockerExecutor(options);
  try {
    await dead.create({
      taskId,
      runId: id,
      stepId: 'long',
      attempt: 1,
      command: ['/bin/sh', join(actionDir, 'run.sh')],
      image,
      workspace,
      actionDir,
      context: {
        taskId,
        runId: id,
        stepId: 'long',
        secrets: {},
        params: {},
        env: {},
        watch: [],
        files: [],
        workdir: workspace,
        graceSeconds: grace,
      },
    });
    await dead.start(taskId);
    await until('the action to start', () => existsSync(join(workspace, 'started')));
  } finally {
    await dead.close();
  }
  await store.createRun(
    {
      id,
      pipelineName: 'p',
      file: 'p.yml',
      source: '',
      pipeline: makePipeline([{ id: 'long' }]),
      params: {},
      actions: {},
      secretNames: [],
      executor: 'docker',
      concurrency: 1,
      status: 'running',
      cancelRequested: false,
      enginePid: 999_999_99,
      createdAt: 1,
    },
    [{ runId: id, stepId: 'long', status: 'running', attempt: 1, taskId, executor: 'docker', outputs: {}, order: 0 }],
  );
  const cancel = async () => {
    const executor = createDockerExecutor(options);
    const r = await cancelRun(store, id, {}, { executors: new ExecutorRegistry().add(executor) });
    expect(r.message).toMatch(/cancelled \(no engine was driving it\)/);
    expect((await store.getSteps(id))[0]?.status).toBe('cancelled');
    expect((await store.getRun(id))?.status).toBe('cancelled');
    const probe = createDockerExecutor(options);
    try {
      expect(await probe.api.listContainersByLabel(`caravan.task=${taskId}`)).toEqual([]);
    } finally {
      await probe.close();
    }
  };
  return { workspace, cancel };
}

describe.skipIf(!hasPodman)('caravan cancel of a run with no live engine (docker executor)', () => {
  it('sends SIGTERM, then stops and removes the container, and ends the run', async () => {
    const run = await orphanedRun(
      'prompt',
      "trap 'echo term > term; exit 0' TERM\necho started > started\nsleep 60 &\nwait $!\n",
      30,
    );
    await run.cancel();
    expect(readFileSync(join(run.workspace, 'term'), 'utf8').trim()).toBe('term');
  });

  it("gives an action whose SIGTERM handler needs 2 s the step's grace period to finish it", async () => {
    const run = await orphanedRun(
      'slow-handler',
      "trap 'sleep 2; echo handled > term; exit 0' TERM\necho started > started\nwhile :; do sleep 0.1; done\n",
      6,
    );
    await run.cancel();
    expect(readFileSync(join(run.workspace, 'term'), 'utf8').trim()).toBe('handled');
  });

  it('kills an action that ignores SIGTERM once the grace period is over, and removes its container', async () => {
    const run = await orphanedRun(
      'stubborn',
      [
        "trap 'echo term > term' TERM",
        'echo started > started',
        'n=0',
        // Counts 0.2 s ticks after SIGTERM: 1.6 s later it is still there (inside its 3 s grace).
        'while :; do sleep 0.2; if [ -e term ]; then n=$((n+1)); fi; if [ "$n" = 8 ]; then echo yes > survived; fi; done',
      ].join('\n'),
      3,
    );
    await run.cancel();
    expect(readFileSync(join(run.workspace, 'term'), 'utf8').trim()).toBe('term');
    expect(readFileSync(join(run.workspace, 'survived'), 'utf8').trim()).toBe('yes');
  });
});
