/**
 * Cron schedules of registered pipelines on a fake clock: on-time ticks, ticks missed while the
 * server was down (each catchUp policy), DST changes, and two servers on one PostgreSQL racing for
 * the same ticks. Runs are created but not driven (maxRuns 0): what counts is which runs exist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../../test/services.js';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** These tests register as the server would for an admin's token. */
const ADMIN = { name: 'test', role: 'admin', admin: true };

const HOUR = 3600_000;
const dirs: string[] = [];
const open: RunningServer[] = [];

async function start(clock: FakeClock, data: string, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const s = await serve({
    data,
    port: 0,
    maxRuns: 0,
    schedulerPollMs: 24 * HOUR,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '', CARAVAN_REGISTRY: '', ...env },
    engine: { clock },
  });
  open.push(s);
  return s;
}

async function shut(s: RunningServer): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.stop();
  await s.service.engine.close();
  await s.service.store.close();
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'caravan-sched-'));
  dirs.push(d);
  return d;
}

function pipeline(name: string, schedule: string): string {
  return `version: "1"\nname: ${name}\non:\n  schedule:\n${schedule}\nsteps:\n  - id: a\n    run: echo tick\n`;
}

/** Runs of `name`, with the tick time each was started for (its creation time on the fake clock). */
async function runsOf(s: RunningServer, name: string) {
  const runs = await s.service.store.listRuns(10_000);
  return runs.filter((r) => r.pipelineName === name).sort((a, b) => a.createdAt - b.createdAt);
}

/** Moves the clock and lets the scheduler look, as its timer would. */
async function advance(clock: FakeClock, s: RunningServer[], ms: number): Promise<void> {
  await clock.advance(ms);
  await Promise.all(s.map((x) => x.triggers.scheduler.poke()));
}

afterEach(async () => {
  for (const s of [...open]) await shut(s);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('schedules', () => {
  it('fires each on-time tick once, labelled with the pipeline, its revision and the trigger', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const s = await start(clock, tempDir());
    await s.triggers.pipelines.add(pipeline('hourly', '    - cron: "0 * * * *"'), 'pipeline.yml', ADMIN);
    await s.triggers.scheduler.poke();
    for (let i = 0; i < 3; i++) await advance(clock, [s], HOUR);
    await s.triggers.scheduler.poke();
    const runs = await runsOf(s, 'hourly');
    expect((await Promise.all(runs.map((r) => s.service.entry(r.id)))).map((e) => e?.labels['caravan.tick'])).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect((await s.service.entry(runs[0]!.id))?.labels).toEqual({
      'caravan.pipeline': 'hourly',
      'caravan.revision': '1',
      'caravan.trigger': 'schedule',
      'caravan.tick': '2026-01-01T01:00:00.000Z',
    });
  });

  it("a scheduled run gets its schedule's with: params, the pipeline's param defaults filling the rest", async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const s = await start(clock, tempDir());
    const source = pipeline('params', '    - cron: "0 * * * *"\n      with: { env: prod }').replace(
      '\non:',
      '\nparams:\n  env: { type: string, required: true }\n  shards: { type: number, default: 2 }\non:',
    );
    await s.triggers.pipelines.add(source, 'pipeline.yml', ADMIN);
    await s.triggers.scheduler.poke();
    await advance(clock, [s], HOUR);
    const runs = await runsOf(s, 'params');
    expect(runs.map((r) => r.params)).toEqual([{ env: 'prod', shards: 2 }]);
  });

  it('makes up for ticks missed while the server was down as each catchUp policy says', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const data = tempDir();
    let s = await start(clock, data);
    const hourly = (name: string, extra: string) =>
      s.triggers.pipelines.add(pipeline(name, `    - cron: "0 * * * *"\n${extra}`), 'pipeline.yml', ADMIN);
    await hourly('none', '      catchUp: none');
    await hourly('latest', '');
    await hourly('all', '      catchUp: all\n      maxCatchUp: 3');
    await advance(clock, [s], HOUR);
    for (const name of ['none', 'latest', 'all']) expect(await runsOf(s, name)).toHaveLength(1);
    await shut(s);
    await clock.advance(5 * HOUR + 30 * 60_000); // ticks 02:00 … 06:00 missed
    s = await start(clock, data);
    await s.triggers.scheduler.poke();
    const times = async (name: string) =>
      (await Promise.all((await runsOf(s, name)).slice(1).map((r) => s.service.entry(r.id))))
        .map((e) => e?.labels['caravan.tick']?.slice(11, 16))
        .sort();
    expect(await times('none')).toEqual([]);
    expect(await times('latest')).toEqual(['06:00']);
    expect(await times('all')).toEqual(['04:00', '05:00', '06:00']);
    // The next on-time tick fires for every policy, once; a further look fires nothing more.
    await advance(clock, [s], 30 * 60_000);
    await s.triggers.scheduler.poke();
    expect(await times('none')).toEqual(['07:00']);
    expect(await times('latest')).toEqual(['06:00', '07:00']);
    expect(await times('all')).toEqual(['04:00', '05:00', '06:00', '07:00']);
  });

  it('a restart at the moment of a tick that was fired does not fire it again', async () => {
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const data = tempDir();
    let s = await start(clock, data);
    await s.triggers.pipelines.add(
      pipeline('once', '    - cron: "0 * * * *"\n      catchUp: all'),
      'pipeline.yml',
      ADMIN,
    );
    await advance(clock, [s], HOUR);
    expect(await runsOf(s, 'once')).toHaveLength(1);
    // Stopped right after the tick's run was stored: the new process sees the same tick due.
    await shut(s);
    s = await start(clock, data);
    await s.triggers.scheduler.poke();
    expect(await runsOf(s, 'once')).toHaveLength(1);
  });

  it('fires a daily local-time schedule once a day across both DST changes', async () => {
    const clock = new FakeClock(Date.parse('2026-03-27T12:00:00Z'));
    const s = await start(clock, tempDir());
    // Looks every 4 hours (fewer steps); catchUp all fires every tick found, late or not.
    const schedule = '    - cron: "30 2 * * *"\n      timezone: Europe/Berlin\n      catchUp: all';
    await s.triggers.pipelines.add(pipeline('berlin', schedule), 'pipeline.yml', ADMIN);
    for (let h = 0; h < 4 * 24; h += 4) await advance(clock, [s], 4 * HOUR);
    const spring = await runsOf(s, 'berlin');
    expect(spring).toHaveLength(4); // 28, 29 (no 02:30 that night: fired at 03:30 local), 30, 31 March
    await clock.advance(Date.parse('2026-10-23T12:00:00Z') - clock.now());
    await s.triggers.scheduler.poke(); // the missed ones: the last 10
    const before = (await runsOf(s, 'berlin')).length;
    for (let h = 0; h < 3 * 24; h += 4) await advance(clock, [s], 4 * HOUR);
    expect((await runsOf(s, 'berlin')).length - before).toBe(3); // 24, 25 (02:30 twice that night: once), 26 October
  }, 120_000);

  it('refuses a pipeline whose schedule is invalid, naming the field', async () => {
    const s = await start(new FakeClock(), tempDir());
    await expect(
      s.triggers.pipelines.add(pipeline('bad', '    - cron: "0 25 * * *"'), 'nightly.yml', ADMIN),
    ).rejects.toMatchObject({ status: 400, problems: [expect.stringMatching(/^nightly\.yml:5:13: .*cron/)] });
  });
});

const schema = `caravan_sched_test_${process.pid}`;

describe.skipIf(!hasPostgres)('schedules on one PostgreSQL', () => {
  afterAll(async () => {
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('two servers racing over 100 ticks start exactly one run per tick', async () => {
    const clock = new FakeClock(Date.parse('2026-02-01T00:00:00Z'));
    const env = { CARAVAN_DATABASE_URL: postgresUrl, CARAVAN_DATABASE_SCHEMA: schema };
    const a = await start(clock, tempDir(), env);
    const b = await start(clock, tempDir(), env);
    await a.triggers.pipelines.add(pipeline('race', '    - cron: "* * * * *"'), 'pipeline.yml', ADMIN);
    for (let i = 0; i < 100; i++) await advance(clock, [a, b], 60_000);
    const runs = await runsOf(a, 'race');
    expect(runs).toHaveLength(100);
    // Each run's labels are in the shared store: either server reads every one.
    const ticks = await Promise.all(runs.map(async (r) => (await b.service.entry(r.id))?.labels['caravan.tick']));
    expect(new Set(ticks).size).toBe(100);
    expect(ticks).not.toContain(undefined);
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    const fired = await c.query(`SELECT count(*)::int AS n FROM ${schema}.fired_ticks WHERE pipeline = 'race'`);
    await c.end();
    expect(fired.rows[0].n).toBe(100);
  }, 120_000);

  it('two servers registering the same name at once store each change as its own revision, never one twice', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T00:00:00Z'));
    const env = { CARAVAN_DATABASE_URL: postgresUrl, CARAVAN_DATABASE_SCHEMA: schema };
    const a = await start(clock, tempDir(), env);
    const b = await start(clock, tempDir(), env);
    const adds = Array.from({ length: 16 }, (_, i) =>
      (i % 2 === 0 ? a : b).triggers.pipelines.add(pipeline('contended', `    - cron: "${i} * * * *"`), 'p.yml', ADMIN),
    );
    const revisions = (await Promise.all(adds)).map((r) => r.revision.revision).sort((x, y) => x - y);
    expect(revisions).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    const rows = await c.query(
      `SELECT count(*)::int AS n, count(DISTINCT revision)::int AS d FROM ${schema}.pipelines WHERE name = 'contended'`,
    );
    await c.end();
    expect(rows.rows[0]).toEqual({ n: 16, d: 16 });
    expect((await b.triggers.pipelines.get('contended')).revision).toBe(16);
  }, 60_000);
});
