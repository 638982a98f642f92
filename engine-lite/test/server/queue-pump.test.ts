/**
 * The queue pump on its own, over a real store: runs held by their concurrency group are passed
 * by in growing pages, so a long line of them costs a few reads, and the first run that can start
 * is driven.
 */
import { afterAll, expect, it } from 'vitest';
import type { Pipeline } from '@caravan/spec';
import { GroupHolders } from '../../src/server/concurrency-groups.js';
import { QueuePump } from '../../src/server/queue-pump.js';
import { ServiceQueue } from '../../src/server/service-queue.js';
import { StepSlots } from '../../src/step-slots.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import type { RunRecord } from '../../src/store/types.js';
import { countingStore } from '../helpers/counting-store.js';
import { FakeClock } from '../helpers/fake-clock.js';

const { store, counts } = countingStore(new SqliteEngineStore(':memory:'));
afterAll(() => store.close());

function run(id: string, group?: string): RunRecord {
  const pipeline: Pipeline = {
    version: '1',
    name: 'p',
    priority: 0,
    params: {},
    envs: {},
    secrets: [],
    steps: [],
    file: 'p.yml',
    ...(group ? { concurrency: { group, cancelInProgress: false } } : {}),
  };
  return {
    ...{ id, pipelineName: 'p', file: 'p.yml', source: '', pipeline, params: {}, actions: {}, secretNames: [] },
    ...{ executor: 'process', concurrency: 1, status: 'queued', cancelRequested: false, createdAt: 1 },
  };
}

it('passes 1,000 runs held by their group in growing pages and drives the first free one', async () => {
  const groups = new GroupHolders();
  groups.hold('deploy', 'running-deploy');
  for (let i = 0; i < 1000; i++)
    await store.createRun(run(`held-${i}`, 'deploy'), [], undefined, { owner: 'me', priority: 1, labels: {} });
  await store.createRun(run('free'), [], undefined, { owner: 'me', priority: 0, labels: {} });
  await store.createRun(run('after'), [], undefined, { owner: 'me', priority: 0, labels: {} });
  const slots = new StepSlots({ total: 1, orderOf: () => undefined });
  const q = new ServiceQueue(store, 'me', slots, groups, 1, new FakeClock());
  const driven: string[] = [];
  const pump = new QueuePump(
    q,
    () => 1 - driven.length,
    async ({ run }) => {
      driven.push(run.id);
    },
  );
  counts.reset();
  await pump.pump();
  expect(driven).toEqual(['free']);
  // 1, 2, 4, … 64 entries, then pages of 100: 18 reads, not one per held run.
  expect(counts.calls.get('waitingRuns')).toBeLessThanOrEqual(18);
  expect(counts.rows.get('waitingRuns')).toBeLessThanOrEqual(1100);

  counts.reset();
  pump.paused = true;
  await pump.pump();
  expect(counts.calls.get('waitingRuns')).toBeUndefined();
});
