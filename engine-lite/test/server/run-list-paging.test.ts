/**
 * GET /v1/runs pages by cursor over the store: runs submitted between pages do not shift, repeat
 * or drop a run of the pages that follow; filters apply in the query. With two servers on one
 * PostgreSQL, each drives only the runs it queued, and both list every run with its labels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dropPostgresSchemas, hasPostgres, postgresUrl } from '../../../test/services.js';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { ServerStore } from '../../src/server/server-store.js';
import { createToken } from '../../src/server/tokens.js';

const dirs: string[] = [];
const schema = `run_list_${process.pid}_${Date.now()}`;
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await dropPostgresSchemas(schema);
});

const pipeline = (name: string) => `version: "1"\nname: ${name}\nsteps:\n  - id: a\n    run: "true"\n`;

async function start(env: Record<string, string>): Promise<{ s: RunningServer; token: string }> {
  const data = mkdtempSync(join(tmpdir(), 'caravan-run-list-'));
  dirs.push(data);
  const tokens = new ServerStore(join(data, 'server.db'));
  const token = createToken(tokens, 'ci', 'runner');
  tokens.close();
  const s = await serve({ data, port: 0, env: { ...process.env, CARAVAN_SECRET_KEY: '', ...env } });
  return { s, token };
}

async function shut(s: RunningServer): Promise<void> {
  await s.stop();
  await s.service.engine.close();
  await s.service.store.close();
}

async function get(s: RunningServer, token: string, path: string) {
  const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { runs: Array<{ id: string; labels: Record<string, string> }>; next?: string };
}

it('pages stay right while runs are submitted between them', async () => {
  const { s, token } = await start({ CARAVAN_DATABASE_URL: '' });
  try {
    s.service.pauseQueue();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push((await s.service.submit({ pipeline: pipeline('paged'), labels: { i: String(i % 2) } })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await get(s, token, `/v1/runs?pipeline=paged&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.runs.map((r) => r.id));
      await s.service.submit({ pipeline: pipeline('paged') }); // newer than every cursor
      if (!page.next) break;
      cursor = page.next;
    }
    // Newest first by id (ids of one millisecond order by their random part).
    expect(seen).toEqual([...ids].sort().reverse());
    const odd = await get(s, token, '/v1/runs?pipeline=paged&label=i%3D1&limit=50');
    expect(odd.runs.map((r) => r.id)).toEqual([ids[1]!, ids[3]!, ids[5]!].sort().reverse());
    expect(odd.next).toBeUndefined();
  } finally {
    await shut(s);
  }
}, 60_000);

it.skipIf(!hasPostgres)(
  'two servers on one PostgreSQL: each drives only its own runs; both list all',
  async () => {
    const env = { CARAVAN_DATABASE_URL: postgresUrl, CARAVAN_DATABASE_SCHEMA: schema };
    const a = await start(env);
    const b = await start(env);
    try {
      a.s.service.pauseQueue();
      const queuedOnA = await a.s.service.submit({ pipeline: pipeline('shared'), labels: { by: 'a' } });
      const onB = await b.s.service.submit({ pipeline: pipeline('shared'), labels: { by: 'b' } });
      await b.s.service.idle();
      expect((await b.s.service.store.getRun(onB.id))?.status).toBe('success');
      // b does not take a's queued run, neither now nor at a restart.
      await shut(b.s);
      const b2 = await start(env);
      await b2.s.service.idle();
      expect((await b2.s.service.store.getRun(queuedOnA.id))?.status).toBe('queued');
      const listed = await get(b2.s, b2.token, '/v1/runs?pipeline=shared');
      expect(Object.fromEntries(listed.runs.map((r) => [r.id, r.labels.by]))).toEqual({
        [queuedOnA.id]: 'a',
        [onB.id]: 'b',
      });
      await shut(b2.s);
      await a.s.service.resumeQueue();
      await a.s.service.idle();
      expect((await a.s.service.store.getRun(queuedOnA.id))?.status).toBe('success');
    } finally {
      await shut(a.s);
    }
  },
  60_000,
);
