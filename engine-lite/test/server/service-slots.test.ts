/** The service's shared step slots: a running run's steps wait for a slot by priority, which a PATCH changes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { ServerStore } from '../../src/server/server-store.js';
import { createToken } from '../../src/server/tokens.js';
import { client, ensureBuilt } from './server-process.js';

let data: string;
let running: RunningServer;
let token: string;

beforeAll(async () => {
  ensureBuilt();
  data = mkdtempSync(join(tmpdir(), 'caravan-slots-'));
  const store = new ServerStore(join(data, 'server.db'));
  token = createToken(store, 'ci', 'runner');
  store.close();
  running = await serve({
    data,
    port: 0,
    maxSteps: 1,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
  });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await running?.service.engine.close();
  await running?.service.store.close();
  rmSync(data, { recursive: true, force: true });
});

const api = () => client(() => running.url, token);

function wide(name: string, n: number, run: string): string {
  const steps = Array.from({ length: n }, (_, i) => `  - id: ${name}${i}\n    run: ${JSON.stringify(run)}\n`).join('');
  return `version: "1"\nname: ${name}\nsteps:\n${steps}`;
}

describe('shared step slots', () => {
  it("a raised priority puts a running run's waiting steps ahead of an earlier run's", async () => {
    const a = (await api().call('POST', '/v1/runs', { pipeline: wide('a', 3, 'sleep 2') })).body.id;
    await api().waitFor(a, (r) => r.steps.some((s) => s.status === 'running'));
    const b = (await api().call('POST', '/v1/runs', { pipeline: wide('b', 2, 'true') })).body.id;
    await api().waitFor(b, (r) => r.status === 'running');
    const queue = (await api().call('GET', '/v1/queue')).body.runs;
    expect(queue.find((q) => q.runId === b)?.reason).toMatch(/^a step waits for a process slot \(1 steps running\)$/);
    expect((await api().call('PATCH', `/v1/runs/${b}`, { priority: 9 })).status).toBe(200);
    const [ra, rb] = [await api().waitEnd(a), await api().waitEnd(b)];
    const starts = [...ra.steps, ...rb.steps]
      .map((s) => ({ id: s.id, at: (s as unknown as { startedAt: number }).startedAt }))
      .sort((x, y) => x.at - y.at)
      .map((s) => s.id);
    expect(starts).toEqual(['a0', 'b0', 'b1', 'a1', 'a2']);
  }, 60_000);
});
