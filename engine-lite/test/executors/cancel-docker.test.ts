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

describe.skipIf(!hasPodman)('caravan cancel of a run with no live engine (docker executor)', () => {
  it('sends SIGTERM, then stops and removes the container, and ends the run', async () => {
    const image = ensureBusyboxImage();
    const options = { dockerHost, agentDir: portableAgentDir(), stateDir: join(scratch, 'state'), graceSeconds: 30 };
    const taskId = `${runId}.long.1`;
    const workspace = join(scratch, 'ws');
    const actionDir = join(scratch, 'action');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(actionDir, { recursive: true });
    chmodSync(workspace, 0o777);
    writeFileSync(
      join(actionDir, 'run.sh'),
      "trap 'echo term > term; exit 0' TERM\necho started > started\nsleep 60 &\nwait $!\n",
    );
    // The dead engine's executor: it started the container, then "died".
    const dead = createDockerExecutor(options);
    try {
      await dead.create({
        taskId,
        runId,
        stepId: 'long',
        attempt: 1,
        command: ['/bin/sh', join(actionDir, 'run.sh')],
        image,
        workspace,
        actionDir,
        context: {
          taskId,
          runId,
          stepId: 'long',
          secrets: {},
          params: {},
          env: {},
          watch: [],
          files: [],
          workdir: workspace,
          graceSeconds: 30,
        },
      });
      await dead.start(taskId);
      await until('the action to start', () => existsSync(join(workspace, 'started')));
    } finally {
      await dead.close();
    }
    await store.createRun(
      {
        id: runId,
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
      [{ runId, stepId: 'long', status: 'running', attempt: 1, taskId, executor: 'docker', outputs: {}, order: 0 }],
    );
    const executor = createDockerExecutor(options);
    const r = await cancelRun(store, runId, {}, { executors: new ExecutorRegistry().add(executor) });
    expect(r.message).toMatch(/cancelled \(no engine was driving it\)/);
    expect((await store.getSteps(runId))[0]?.status).toBe('cancelled');
    expect((await store.getRun(runId))?.status).toBe('cancelled');
    expect(readFileSync(join(workspace, 'term'), 'utf8').trim()).toBe('term');
    const probe = createDockerExecutor(options);
    try {
      expect(await probe.api.listContainersByLabel(`caravan.task=${taskId}`)).toEqual([]);
    } finally {
      await probe.close();
    }
  });
});
