/**
 * The queue read a page at a time: with 5,000 runs waiting, the pump takes the runs it can drive
 * in queue order (priority, then arrival) reading about as many entries as it has free run slots,
 * and GET /v1/queue pages by limit and cursor. Rows are counted through the store interface.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { ServerStore } from '../../src/server/server-store.js';
import { createToken } from '../../src/server/tokens.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { ControlledExecutor } from '../helpers/controlled-executor.js';
import { countingStore } from '../helpers/counting-store.js';
import { StubResolver } from '../helpers/scripted.js';

const WAITING = 5000;
const data = mkdtempSync(join(tmpdir(), 'caravan-queue-paging-'));
const ctl = new ControlledExecutor([], 'ctl');
const { store, counts } = countingStore(new SqliteEngineStore(join(data, 'engine.db')));
let s: RunningServer;
let token: string;
const ids: string[] = [];

/** Queue order by construction: priority i % 5, but for a few set apart below. */
function priorityOf(i: number): number {
  return i === 4000 || i === 4500 ? 9 : i === 4999 ? 10 : i % 5;
}

beforeAll(async () => {
  const tokens = new ServerStore(join(data, 'server.db'));
  token = createToken(tokens, 'ci', 'viewer');
  tokens.close();
  s = await serve({
    data,
    port: 0,
    maxRuns: 2,
    store,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
    engine: { executors: new ExecutorRegistry().add(ctl), resolver: new StubResolver({}) },
  });
  s.service.pauseQueue();
  const pipeline = 'version: "1"\nname: many\nsteps:\n  - id: a\n    uses: test/step@^1\n';
  const first = await s.service.submit({ pipeline, executor: 'ctl' });
  const owner = (await store.queueEntry(first.id))!.owner;
  const steps = await store.getSteps(first.id);
  ids.push(first.id);
  for (let i = 1; i < WAITING; i++) {
    const id = `${first.id}x${i.toString(36)}`;
    ids.push(id);
    // The run of 4999 ended while it waited (cancelled elsewhere): it leaves the queue unseen.
    const status = i === 4999 ? 'cancelled' : 'queued';
    await store.createRun(
      { ...first, id, status },
      steps.map((st) => ({ ...st, runId: id })),
      undefined,
      { owner, priority: priorityOf(i), labels: { i: String(i) } },
    );
  }
}, 120_000);

afterAll(async () => {
  for (const [taskId, t] of ctl.tasks) if (t.state.phase === 'running') ctl.endTask(taskId, 1);
  await s?.service.idle();
  await s?.stop();
  await s?.service.engine.close();
  await store.close();
  rmSync(data, { recursive: true, force: true });
});

const admitted = async (id: string) => (await store.queueEntry(id))?.admitted === true;

async function queue(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Listed = { runId: string; state: string; priority: number; position?: number; labels: Record<string, string> };

describe('a queue of 5,000 waiting runs', () => {
  it('the pump drives the first runs in queue order, reading about as many entries as it has free slots', async () => {
    counts.reset();
    await s.service.resumeQueue();
    expect(await admitted(ids[4000]!)).toBe(true);
    expect(await admitted(ids[4500]!)).toBe(true);
    expect(await admitted(ids[4]!)).toBe(false);
    // The run that ended while it waited was taken off the queue as the pump passed it.
    expect(await admitted(ids[4999]!)).toBe(true);
    expect((await store.getRun(ids[4999]!))?.status).toBe('cancelled');
    expect(counts.rows.get('waitingRuns')).toBeLessThanOrEqual(4);
    expect(counts.calls.get('waitingRuns')).toBeLessThanOrEqual(3);
    expect(counts.totalRows()).toBeLessThan(50);

    // A run that ends frees its slot: the next in order (priority 4, first to arrive) is driven.
    await vi.waitFor(() => expect(ctl.running).toHaveLength(2), { timeout: 10_000 });
    counts.reset();
    ctl.endTask(`${ids[4000]}.a.1`);
    await vi.waitFor(async () => expect(await admitted(ids[4]!)).toBe(true), { timeout: 10_000 });
    expect(await admitted(ids[9]!)).toBe(false);
    expect(counts.rows.get('waitingRuns')).toBeLessThanOrEqual(2);
    expect(counts.totalRows()).toBeLessThan(50);
  }, 60_000);

  it('GET /v1/queue gives the running runs, then pages of queued runs by limit and cursor', async () => {
    counts.reset();
    const first = await queue('/v1/queue?limit=100');
    expect(first.status).toBe(200);
    expect(first.body.maxRuns).toBe(2);
    const runs = first.body.runs as Listed[];
    expect(runs.filter((r) => r.state === 'running').map((r) => r.runId)).toEqual([ids[4500], ids[4]]);
    const queued = runs.filter((r) => r.state === 'queued');
    expect(queued).toHaveLength(100);
    expect(queued.map((r) => r.position)).toEqual([...Array(100).keys()]);
    expect(queued[0]).toMatchObject({ runId: ids[9], priority: 4, labels: { i: '9' } });
    expect(counts.rows.get('waitingRuns')).toBeLessThanOrEqual(101);
    expect(typeof first.body.next).toBe('string');

    const second = await queue(`/v1/queue?limit=100&cursor=${first.body.next as string}`);
    const next = second.body.runs as Listed[];
    expect(next.every((r) => r.state === 'queued')).toBe(true);
    expect(next[0]).toMatchObject({ position: 100 });
    expect(next[0]!.priority).toBeLessThanOrEqual(queued.at(-1)!.priority);

    // Every waiting run once, in queue order, across pages.
    const all: Listed[] = [];
    let cursor: string | undefined;
    do {
      const page = await queue(`/v1/queue?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...(page.body.runs as Listed[]).filter((r) => r.state === 'queued'));
      cursor = page.body.next as string | undefined;
    } while (cursor);
    expect(all).toHaveLength(WAITING - 4);
    expect(new Set(all.map((r) => r.runId)).size).toBe(all.length);
    expect(all.map((r) => r.position)).toEqual([...Array(all.length).keys()]);
    const order = all.map((r) => [-r.priority, ids.indexOf(r.runId)] as const);
    expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  }, 60_000);

  it('the /queue page shows a page of queued runs and links the next', async () => {
    const page = async (path: string) => {
      const res = await fetch(`${s.url}${path}`, { headers: { cookie: `caravan_engine_session=${token}` } });
      return { status: res.status, text: await res.text() };
    };
    const head = await page('/queue');
    expect(head.status).toBe(200);
    expect(head.text.match(/<td><a href="\/runs\//g)).toHaveLength(2 + 50);
    const next = /<a href="(\/queue\?cursor=[^"]+)" rel="next">/.exec(head.text)?.[1];
    expect(next).toBeDefined();
    const second = await page(next!.replace(/&amp;/g, '&'));
    expect(second.status).toBe(200);
    expect(second.text).toContain('Head of the queue');
    expect(second.text.match(/<td><a href="\/runs\//g)).toHaveLength(50);
    expect(second.text).not.toContain(ids[4500]);
    const bad = await page('/queue?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('is not a queue cursor');
  });

  it('refuses a bad cursor or limit, saying what to pass', async () => {
    const bad = await queue('/v1/queue?cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid-query' });
    expect(JSON.stringify(bad.body.error)).toContain('pass the \\"next\\" of the previous page');
    expect((await queue('/v1/queue?limit=0')).status).toBe(400);
    expect((await queue('/v1/queue?limit=5000')).status).toBe(400);
  });
});
