import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cancelRun } from '../src/cancel-run.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
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
