/** Pipeline-level concurrency groups on the service: one run of a group at a time, or cancel the one in progress. */
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
  data = mkdtempSync(join(tmpdir(), 'caravan-groups-'));
  const store = new ServerStore(join(data, 'server.db'));
  token = createToken(store, 'ci', 'runner');
  store.close();
  running = await serve({ data, port: 0, env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' } });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await running?.service.engine.close();
  await running?.service.store.close();
  rmSync(data, { recursive: true, force: true });
});

const api = () => client(() => running.url, token);

function deploy(run: string, cancelInProgress = false): string {
  return [
    'version: "1"',
    'name: deploy',
    'params:',
    '  env: { type: string, required: true }',
    'concurrency:',
    '  group: deploy-${{ params.env }}',
    `  cancelInProgress: ${cancelInProgress}`,
    'steps:',
    `  - id: go\n    run: ${JSON.stringify(run)}`,
  ].join('\n');
}

describe('concurrency groups', () => {
  it('a run waits while another run of its group runs; runs of other groups do not', async () => {
    const submit = async (env: string, run: string) =>
      (await api().call('POST', '/v1/runs', { pipeline: deploy(run), params: { env } })).body.id;
    const first = await submit('prod', 'sleep 1.5');
    await api().waitFor(first, (r) => r.status === 'running');
    const second = await submit('prod', 'true');
    const other = await submit('dev', 'true');
    expect((await api().waitEnd(other)).status).toBe('success');
    const queue = await api().call('GET', '/v1/queue');
    const waiting = queue.body.runs.find((q) => q.runId === second);
    expect(waiting?.reason).toBe(`waiting for its concurrency group "deploy-prod" (run ${first} holds it)`);
    const [a, b] = [await api().waitEnd(first), await api().waitEnd(second)];
    expect(b.status).toBe('success');
    expect(b.startedAt).toBeGreaterThanOrEqual(a.endedAt);
  }, 60_000);

  it('cancelInProgress: a new run of the group cancels the one in progress', async () => {
    const submit = async () =>
      (await api().call('POST', '/v1/runs', { pipeline: deploy('sleep 60', true), params: { env: 'x' } })).body.id;
    const old = await submit();
    await api().waitFor(old, (r) => r.steps[0]?.status === 'running');
    const fresh = await submit();
    expect((await api().waitEnd(old)).status).toBe('cancelled');
    await api().waitFor(fresh, (r) => r.status === 'running');
    expect((await api().call('POST', `/v1/runs/${fresh}/cancel`)).status).toBe(200);
    expect((await api().waitEnd(fresh)).status).toBe('cancelled');
  }, 90_000);
});
