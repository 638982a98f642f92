/**
 * The service in this process (serve), for what needs a look inside: aborted follow streams leave
 * no listener or timer behind, and a rerun of the failed steps reuses what the succeeded ones made.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { systemClock } from '../../src/clock.js';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { ServerStore } from '../../src/server/server-store.js';
import { createToken } from '../../src/server/tokens.js';
import { client, ensureBuilt } from './server-process.js';

/** The system clock, counting the timers that are set and neither fired nor stopped. */
function countingClock(): Clock & { active: () => number } {
  let active = 0;
  return {
    now: () => systemClock.now(),
    setTimer(ms, fn) {
      active++;
      let live = true;
      const end = () => {
        if (live) active--;
        live = false;
      };
      const stop = systemClock.setTimer(ms, () => {
        end();
        fn();
      });
      return () => {
        end();
        stop();
      };
    },
    active: () => active,
  };
}

let data: string;
let running: RunningServer;
let token: string;
const clock = countingClock();

beforeAll(async () => {
  ensureBuilt();
  data = mkdtempSync(join(tmpdir(), 'caravan-service-'));
  const store = new ServerStore(join(data, 'server.db'));
  token = createToken(store, 'ci', 'runner');
  store.close();
  running = await serve({
    data,
    port: 0,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
    engine: { clock },
  });
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await running?.service.engine.close();
  await running?.service.store.close();
  rmSync(data, { recursive: true, force: true });
});

const api = () => client(() => running.url, token);

describe('follow streams', () => {
  it('1,000 aborted streams leave no stream, listener or timer behind', async () => {
    const pipeline = 'version: "1"\nname: long\nsteps:\n  - id: wait\n    run: "sleep 300"\n';
    const { id } = (await api().call('POST', '/v1/runs', { pipeline })).body;
    await api().waitFor(id, (r) => r.steps[0]?.status === 'running');
    const baseline = clock.active();
    const listeners = running.service.engine.listenerCount;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const abort = new AbortController();
          const path = i % 2 === 0 ? `/v1/runs/${id}/logs?follow=true` : `/v1/runs/${id}/events`;
          const res = await fetch(`${running.url}${path}`, {
            headers: { authorization: `Bearer ${token}` },
            signal: abort.signal,
          });
          expect(res.status).toBe(200);
          abort.abort();
        }),
      );
    }
    const until = Date.now() + 10_000;
    while (running.streams.open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(running.streams.open).toBe(0);
    expect(clock.active()).toBeLessThanOrEqual(baseline);
    expect(running.service.engine.listenerCount).toBe(listeners);
    expect((await api().call('POST', `/v1/runs/${id}/cancel`)).status).toBe(200);
    expect((await api().waitEnd(id)).status).toBe('cancelled');
  }, 300_000);

  it('a follow stream gets every line and ends when the run ends', async () => {
    const pipeline =
      'version: "1"\nname: chatty\nsteps:\n  - id: talk\n    run: "for i in 1 2 3; do echo line-$i; sleep 0.3; done"\n';
    const { id } = (await api().call('POST', '/v1/runs', { pipeline })).body;
    const res = await api().call('GET', `/v1/runs/${id}/logs?step=talk&follow=true`);
    const lines = [...res.text.matchAll(/"text":"(line-\d)"/g)].map((m) => m[1]);
    expect(lines).toEqual(['line-1', 'line-2', 'line-3']);
    expect(res.text).toMatch(/event: end\ndata: \{"status":"success"/);
  }, 60_000);
});

describe('rerun', () => {
  it('failedOnly: the succeeded steps keep their outputs and do not run again; the rest runs', async () => {
    const marks = join(data, 'marks.txt');
    const flag = join(data, 'fail.flag');
    writeFileSync(flag, '');
    const pipeline = [
      'version: "1"',
      'name: flaky',
      'steps:',
      '  - id: make',
      `    run: "echo made >> ${marks}; echo v=42 >> $CARAVAN_OUTPUT"`,
      '  - id: check',
      '    needs: [make]',
      '    env: { V: "${{ steps.make.outputs.v }}" }',
      `    run: "test ! -e ${flag} && echo got-$V"`,
    ].join('\n');
    const { id } = (await api().call('POST', '/v1/runs', { pipeline })).body;
    expect((await api().waitEnd(id)).status).toBe('failed');
    rmSync(flag);
    const again = await api().call('POST', `/v1/runs/${id}/rerun`, { failedOnly: true });
    expect(again.status).toBe(201);
    const rerun = await api().waitEnd(again.body.id);
    expect(rerun.status).toBe('success');
    expect(readFileSync(marks, 'utf8')).toBe('made\n');
    const logs = await api().call('GET', `/v1/runs/${again.body.id}/logs?step=check`);
    expect(logs.text).toContain('got-42');
    const listed = await api().call('GET', `/v1/runs?limit=1`);
    expect(listed.body.runs[0]).toMatchObject({ id: again.body.id, rerunOf: id });
  }, 60_000);

  it('refuses a run that is unknown (404)', async () => {
    expect((await api().call('POST', '/v1/runs/zzzz-000000/rerun', {})).status).toBe(404);
  });
});

describe('the rest of the API', () => {
  it('serves an OpenAPI document that describes every route it answers', async () => {
    const doc = (await (await fetch(`${running.url}/v1/openapi.json`)).json()) as { paths: Record<string, object> };
    // The API's routes as served (pages and their assets are not the API), in the document's path style.
    const served = running.routes
      .filter((r) => / \/(v1\/|healthz$|metrics$)/.test(r) && !r.endsWith(' /v1/openapi.json'))
      .map((r) => r.replace(/:(\w+)/g, '{$1}'))
      .sort();
    const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
    const described = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => methods.has(m))
          .map((m) => `${m} ${path}`),
      )
      .filter((r) => !r.endsWith(' /v1/openapi.json'))
      .sort();
    expect(served).toContain('post /v1/secrets/rotate-key');
    expect(described).toEqual(served);
  });

  it('approves a step for caravan/approval, and says what is wrong with a bad request', async () => {
    const pipeline = 'version: "1"\nname: gate\nsteps:\n  - id: gate\n    run: "true"\n';
    const { id } = (await api().call('POST', '/v1/runs', { pipeline })).body;
    await api().waitEnd(id);
    const ok = await api().call('POST', `/v1/runs/${id}/steps/gate/approve`, { comment: 'fine' });
    expect(ok.status).toBe(200);
    const file = JSON.parse(readFileSync(join(data, 'approvals', id, 'gate.json'), 'utf8')) as Record<string, string>;
    expect(file).toMatchObject({ decision: 'approved', by: 'ci', comment: 'fine' });
    expect((await api().call('POST', `/v1/runs/${id}/steps/nope/approve`, {})).status).toBe(404);
    const badPriority = await api().call('PATCH', `/v1/runs/${id}`, { priority: 'high' });
    expect(badPriority.status).toBe(400);
    expect(badPriority.body.error.message).toContain('"priority" must be an integer');
    const badLimit = await api().call('GET', '/v1/runs?limit=0');
    expect(badLimit.status).toBe(400);
    const notJson = await fetch(`${running.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"pipeline":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('bad-request');
  }, 60_000);

  it('exports Prometheus metrics: runs by status, queue depth, step durations, busy slots', async () => {
    const text = await (
      await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(text).toMatch(/^caravan_runs\{status="success"\} \d+$/m);
    expect(text).toMatch(/^caravan_queue_depth 0$/m);
    expect(text).toMatch(/^caravan_step_duration_seconds_count\{status="success"\} \d+$/m);
    expect(text).toContain('# TYPE caravan_executor_slots_busy gauge');
  });
});
