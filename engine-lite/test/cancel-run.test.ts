import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_SLACK_MS, cancelRun, STOP_POLL_MS } from '../src/cancel-run.js';
import { ExecutorRegistry } from '../src/executors/registry.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import { ControlledExecutor } from './helpers/controlled-executor.js';
import { FakeClock } from './helpers/fake-clock.js';
import { makePipeline } from './helpers/pipeline.js';

const home = mkdtempSync(join(tmpdir(), 'caravan-cancel-'));
const store = new SqliteEngineStore(join(home, 'engine.db'));
afterAll(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

async function seed(id: string, enginePid?: number) {
  await store.createRun(
    {
      id,
      pipelineName: 'p',
      file: 'p.yml',
      source: '',
      pipeline: makePipeline([{ id: 'a' }, { id: 'b' }, { id: 'c' }]),
      params: {},
      actions: {},
      secretNames: [],
      executor: 'process',
      concurrency: 1,
      status: 'running',
      cancelRequested: false,
      enginePid,
      createdAt: 1,
    },
    [
      { runId: id, stepId: 'a', status: 'success', attempt: 1, outputs: {}, order: 0 },
      {
        runId: id,
        stepId: 'b',
        status: 'running',
        attempt: 1,
        taskId: `${id}.b.1`,
        executor: 'process',
        outputs: {},
        order: 1,
      },
      { runId: id, stepId: 'c', status: 'queued', attempt: 0, outputs: {}, order: 2 },
    ],
  );
}

describe('caravan cancel', () => {
  it('only flags the run when a live engine drives it', async () => {
    await seed('live', process.pid);
    const r = await cancelRun(store, 'live', { CARAVAN_HOME: home });
    expect(r).toEqual({ ok: true, message: `cancel requested: engine process ${process.pid} is stopping run live` });
    expect(await store.isCancelRequested('live')).toBe(true);
    expect((await store.getSteps('live')).map((s) => s.status)).toEqual(['success', 'running', 'queued']);
  });

  it('cancels at once a run whose engine is gone, keeping finished steps', async () => {
    await seed('orphan', 999_999_99);
    const r = await cancelRun(store, 'orphan', { CARAVAN_HOME: home });
    expect(r.message).toMatch(/cancelled \(no engine was driving it\)/);
    expect((await store.getSteps('orphan')).map((s) => s.status)).toEqual(['success', 'cancelled', 'cancelled']);
    expect((await store.getRun('orphan'))?.status).toBe('cancelled');
    expect((await cancelRun(store, 'orphan', { CARAVAN_HOME: home })).message).toMatch(/already ended \(cancelled\)/);
  });

  it('names an unknown run', async () => {
    expect(await cancelRun(store, 'nope', { CARAVAN_HOME: home })).toEqual({
      ok: false,
      message: 'no run nope: see caravan runs list',
    });
  });
});

describe('caravan cancel with no engine: waiting for a task to stop (fake clock)', () => {
  async function seedOn(id: string, kind: string) {
    await store.createRun(
      {
        id,
        pipelineName: 'p',
        file: 'p.yml',
        source: '',
        pipeline: makePipeline([{ id: 'b' }]),
        params: {},
        actions: {},
        secretNames: [],
        executor: kind,
        concurrency: 1,
        status: 'running',
        cancelRequested: false,
        enginePid: 999_999_99,
        createdAt: 1,
      },
      [
        {
          runId: id,
          stepId: 'b',
          status: 'running',
          attempt: 1,
          taskId: `${id}.b.1`,
          executor: kind,
          outputs: {},
          order: 0,
        },
      ],
    );
  }

  /** Starts `caravan cancel` of run `id` whose one task runs on `executor`; `ended()` says whether it returned. */
  function cancelling(id: string, executor: ControlledExecutor, clock: FakeClock) {
    let ended = false;
    const done = cancelRun(store, id, {}, { executors: new ExecutorRegistry().add(executor), clock }).then((r) => {
      ended = true;
      return r;
    });
    return { done, ended: () => ended };
  }

  it('gives a task that does not stop its whole grace period plus the slack, then removes it', async () => {
    const clock = new FakeClock();
    const executor = Object.assign(new ControlledExecutor([], 'ctl-grace'), {
      stopGraceSeconds: async () => 5,
      stubborn: true,
    });
    await seedOn('grace', 'ctl-grace');
    executor.seed('grace.b.1', 'b', 'running');
    const c = cancelling('grace', executor, clock);
    await clock.advance(5_000 + AGENT_SLACK_MS - STOP_POLL_MS);
    expect(c.ended()).toBe(false);
    expect(executor.journal).toEqual(['cancel grace.b.1']);
    await clock.advance(2 * STOP_POLL_MS);
    expect(c.ended()).toBe(true);
    expect(executor.journal).toEqual(['cancel grace.b.1', 'remove grace.b.1']);
    expect((await c.done).message).toMatch(/cancelled \(no engine was driving it\)/);
    expect((await store.getRun('grace'))?.status).toBe('cancelled');
  });

  it('ends as soon as a task stops, however long its grace period', async () => {
    const clock = new FakeClock();
    const executor = Object.assign(new ControlledExecutor([], 'ctl-prompt'), { stopGraceSeconds: async () => 600 });
    await seedOn('prompt', 'ctl-prompt');
    executor.seed('prompt.b.1', 'b', 'running');
    const c = cancelling('prompt', executor, clock);
    await clock.advance(0);
    expect(c.ended()).toBe(true);
    expect(executor.journal).toEqual(['cancel prompt.b.1', 'remove prompt.b.1']);
  });

  it('waits the fallback when the executor does not tell the grace period', async () => {
    const clock = new FakeClock();
    const executor = Object.assign(new ControlledExecutor([], 'ctl-blind'), { stubborn: true });
    await seedOn('blind', 'ctl-blind');
    executor.seed('blind.b.1', 'b', 'running');
    const c = cancelling('blind', executor, clock);
    await clock.advance(1_000 - STOP_POLL_MS);
    expect(c.ended()).toBe(false);
    await clock.advance(2 * STOP_POLL_MS);
    expect(c.ended()).toBe(true);
  });
});
