/**
 * A tick that comes while the previous scheduled run of the same concurrency group still runs, on a
 * fake clock: it queues behind it (the default), cancels it (cancelInProgress), or starts nothing
 * (skipIfBusy). The runs are real (a sleeping step); only the schedule's time is fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parsePipelineYaml } from '@caravan/spec';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ensureBuilt } from '../server/server-process.js';

/** These tests register as the server would for an admin's token. */
const ADMIN = { name: 'test', role: 'admin', admin: true };

const HOUR = 3600_000;
const dirs: string[] = [];
const open: RunningServer[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) {
    for (const entry of await s.service.queue()) await s.service.cancel(entry.runId).catch(() => undefined);
    await s.service.idle();
    await s.stop();
    await s.service.engine.close();
    await s.service.store.close();
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function hourly(concurrency: string): Promise<{ s: RunningServer; clock: FakeClock }> {
  ensureBuilt();
  const data = mkdtempSync(join(tmpdir(), 'caravan-overlap-'));
  dirs.push(data);
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const s = await serve({
    data,
    port: 0,
    maxRuns: 4,
    schedulerPollMs: 24 * HOUR,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '', CARAVAN_REGISTRY: '' },
    engine: { clock },
  });
  open.push(s);
  const source = [
    'version: "1"',
    'name: hourly',
    `concurrency: { group: nightly, ${concurrency} }`,
    'on:',
    '  schedule:',
    '    - cron: "0 * * * *"',
    'steps:',
    '  - id: slow',
    '    run: sleep 20',
  ].join('\n');
  await s.triggers.pipelines.add(source, 'pipeline.yml', ADMIN);
  await s.triggers.scheduler.poke();
  return { s, clock };
}

/** The next hour's tick, as the scheduler's timer would see it. */
async function tick(s: RunningServer, clock: FakeClock): Promise<void> {
  await clock.advance(HOUR);
  await s.triggers.scheduler.poke();
}

async function runsOf(s: RunningServer) {
  const runs = await s.service.store.listRuns(100);
  return runs.filter((r) => r.pipelineName === 'hourly').sort((a, b) => a.createdAt - b.createdAt);
}

async function until(what: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await what()); i++) await new Promise((r) => setTimeout(r, 25));
  expect(await what()).toBe(true);
}

describe('an overlapping tick follows the concurrency group', () => {
  it('queues behind the run in progress by default', async () => {
    const { s, clock } = await hourly('cancelInProgress: false');
    await tick(s, clock);
    const [first] = await runsOf(s);
    await until(async () => (await s.service.store.getRun(first!.id))?.status === 'running');
    await tick(s, clock);
    const runs = await runsOf(s);
    expect(runs).toHaveLength(2);
    const queue = await s.service.queue();
    expect(queue.find((q) => q.runId === runs[0]!.id)?.state).toBe('running');
    expect(queue.find((q) => q.runId === runs[1]!.id)).toMatchObject({ state: 'queued' });
    expect((await s.service.store.getRun(runs[0]!.id))?.cancelRequested).toBe(false);
  }, 60_000);

  it('cancels the run in progress with cancelInProgress', async () => {
    const { s, clock } = await hourly('cancelInProgress: true');
    await tick(s, clock);
    const [first] = await runsOf(s);
    await until(async () => (await s.service.store.getRun(first!.id))?.status === 'running');
    await tick(s, clock);
    const runs = await runsOf(s);
    expect(runs).toHaveLength(2);
    await until(async () => (await s.service.store.getRun(first!.id))?.status === 'cancelled');
    await until(async () => (await s.service.store.getRun(runs[1]!.id))?.status === 'running');
  }, 60_000);

  it('starts nothing with skipIfBusy, and starts again once the group is free', async () => {
    const { s, clock } = await hourly('skipIfBusy: true');
    await tick(s, clock);
    const [first] = await runsOf(s);
    await until(async () => (await s.service.store.getRun(first!.id))?.status === 'running');
    await tick(s, clock);
    await tick(s, clock);
    expect(await runsOf(s)).toHaveLength(1);
    await s.service.cancel(first!.id);
    await until(async () => (await s.service.store.getRun(first!.id))?.status === 'cancelled');
    await tick(s, clock);
    expect(await runsOf(s)).toHaveLength(2);
  }, 60_000);

  it('refuses cancelInProgress and skipIfBusy together at lint time', () => {
    const r = parsePipelineYaml(
      'version: "1"\nconcurrency:\n  group: g\n  cancelInProgress: true\n  skipIfBusy: true\nsteps:\n  - id: a\n    run: echo\n',
      'p.yml',
    );
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col} ${e.message}`)).toEqual([
      '5:15 concurrency: cancelInProgress and skipIfBusy cannot both be set',
    ]);
  });
});
