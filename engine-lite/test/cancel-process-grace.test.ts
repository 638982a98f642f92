/**
 * `caravan cancel` of a run whose engine is gone, process executor, with the real agent and real
 * processes: each task gets the grace period recorded for its attempt (its context), and a task
 * that will not stop is killed after it. Every wait is bounded polling; no wall-clock figure is asserted.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '@caravan/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelRun } from '../src/cancel-run.js';
import { ProcessExecutor } from '../src/executors/process.js';
import { ExecutorRegistry } from '../src/executors/registry.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import { agentBundle } from './helpers/agent.js';
import { makePipeline } from './helpers/pipeline.js';

let home: string;
let store: SqliteEngineStore;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'caravan-cancel-grace-'));
  store = new SqliteEngineStore(join(home, 'engine.db'));
});
afterAll(async () => {
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

/** Polls `check` every 50 ms, for at most 20 s. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n') : []);

/**
 * A run whose engine died while its one step ran `script` with grace period `graceSeconds`: the
 * task was started by the dead engine's executor, the run is still `running` in the store.
 */
async function orphanRun(id: string, script: string, graceSeconds: number) {
  const stateDir = join(home, `${id}-tasks`);
  const workspace = join(home, `${id}-ws`);
  mkdirSync(workspace, { recursive: true });
  const taskId = `${id}.a.1`;
  const dead = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
  await dead.create({
    taskId,
    runId: id,
    stepId: 'a',
    attempt: 1,
    command: ['/bin/sh', '-c', script],
    workspace,
    actionDir: workspace,
    context: { taskId, runId: id, stepId: 'a', secrets: {}, params: {}, env: {}, watch: [], files: [], graceSeconds },
  });
  await dead.start(taskId);
  await until('the action to start', () => lines(join(workspace, 'sh.pid')).length > 0);
  await store.createRun(
    {
      id,
      pipelineName: 'p',
      file: 'p.yml',
      source: '',
      pipeline: makePipeline([{ id: 'a' }]),
      params: {},
      actions: {},
      secretNames: [],
      executor: 'process',
      concurrency: 1,
      status: 'running',
      cancelRequested: false,
      enginePid: 999_999_99,
      createdAt: 1,
    },
    [{ runId: id, stepId: 'a', status: 'running', attempt: 1, taskId, executor: 'process', outputs: {}, order: 0 }],
  );
  const pid = Number(lines(join(workspace, 'sh.pid'))[0]);
  // `caravan cancel` builds its own executor: it shares nothing with the dead engine's but the state folder.
  const cancel = () =>
    cancelRun(
      store,
      id,
      {},
      { executors: new ExecutorRegistry().add(new ProcessExecutor({ stateDir, agentPath: '' })) },
    );
  return { workspace, pid, cancel, dead, taskId };
}

describe('caravan cancel with no engine gives process tasks their grace period', () => {
  it('a SIGTERM handler that needs 2 s runs to its end within a 5 s grace period', async () => {
    const script = [
      "trap 'echo term >> log; sleep 2; echo done >> log; exit 0' TERM",
      'echo $$ > sh.pid',
      'sleep 60 &',
      'wait $!',
    ].join('\n');
    const r = await orphanRun('handler', script, 5);
    const result = await r.cancel();
    expect(result.message).toMatch(/cancelled \(no engine was driving it\)/);
    expect(lines(join(r.workspace, 'log'))).toEqual(['term', 'done']);
    expect(isAlive(r.pid)).toBe(false);
    expect((await store.getSteps('handler')).map((s) => s.status)).toEqual(['cancelled']);
    await r.dead.wait(r.taskId);
  });

  it('an action that goes on after SIGTERM is killed at the end of its 1 s grace period', async () => {
    // The handler notes the signal and returns: the loop goes on ticking until it is killed.
    const script = [
      "trap 'echo term >> log' TERM",
      'echo $$ > sh.pid',
      'while :; do echo tick >> log; sleep 0.1; done',
    ].join('\n');
    const r = await orphanRun('stubborn', script, 1);
    const result = await r.cancel();
    expect(result.message).toMatch(/cancelled \(no engine was driving it\)/);
    const log = lines(join(r.workspace, 'log'));
    expect(log).toContain('term');
    // It was not killed with the SIGTERM: it went on for its grace period.
    expect(log.slice(log.indexOf('term') + 1)).toContain('tick');
    await until('the action to be gone', () => !isAlive(r.pid));
    const ticks = log.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(lines(join(r.workspace, 'log'))).toHaveLength(ticks);
    expect((await store.getRun('stubborn'))?.status).toBe('cancelled');
    await r.dead.wait(r.taskId);
  });

  it('reads the grace period recorded for the attempt', async () => {
    const stateDir = join(home, 'read-tasks');
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    const workspace = join(home, 'read-ws');
    const context = {
      taskId: 'read.a.1',
      runId: 'read',
      stepId: 'a',
      secrets: {},
      params: {},
      env: {},
      watch: [],
      files: [],
    };
    const task = {
      taskId: 'read.a.1',
      runId: 'read',
      stepId: 'a',
      attempt: 1,
      command: ['true'],
      workspace,
      actionDir: workspace,
    };
    await ex.create({ ...task, context: { ...context, graceSeconds: 7 } });
    expect(await ex.stopGraceSeconds('read.a.1')).toBe(7);
    await ex.create({ ...task, taskId: 'read.b.1', context: { ...context, taskId: 'read.b.1' } });
    expect(await ex.stopGraceSeconds('read.b.1')).toBe(10);
    expect(await ex.stopGraceSeconds('read.none.1')).toBeUndefined();
    await ex.remove('read.a.1');
    await ex.remove('read.b.1');
  });
});
