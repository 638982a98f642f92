/**
 * caravan server's run pages: `GET /runs/{id}` (the HTML page: DAG, statuses, log tails) of a run
 * with 200 steps, one of which has a 10 MB log, against `GET /v1/runs/{id}` (the same run as JSON,
 * without logs) in the same run, both with autocannon. The page must stay small (bounded tails);
 * an ended run's tails are read from the store once, so this measures the page's own work.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken, NoopExecutor, serve, ServerStore } from '@caravan/engine';
import { ExecutorRegistry } from '../engine-lite/src/executors/registry.js';
import { StubResolver } from '../engine-lite/test/helpers/scripted.js';
import type { Bench, BenchRow } from './lib.js';
import { runPageTails } from './run-page-tails.js';

const STEPS = 200;
const LOG_BYTES = 10 * 1024 * 1024;
const LINE = 'a fairly long line of build output that repeats itself over and over again';

async function rate(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, headers, connections: 4, duration: 3 });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  return result.requests.average;
}

async function runPage(): Promise<BenchRow> {
  const data = mkdtempSync(join(tmpdir(), 'caravan-bench-pages-'));
  const tokens = new ServerStore(join(data, 'server.db'));
  const token = createToken(tokens, 'bench', 'runner');
  tokens.close();
  const s = await serve({
    data,
    port: 0,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
    engine: { executors: new ExecutorRegistry().add(new NoopExecutor()), resolver: new StubResolver({}) },
  });
  try {
    const body = Array.from(
      { length: STEPS },
      (_, i) => `  - id: s${i}\n    uses: test/step@^1\n${i ? `    needs: [s${Math.floor((i - 1) / 2)}]\n` : ''}`,
    ).join('');
    const created = await fetch(`${s.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: `version: "1"\nname: wide\nsteps:\n${body}`, executor: 'noop' }),
    });
    if (created.status !== 201) throw new Error(`POST /v1/runs: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    await (await fetch(`${s.url}/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${token}` } })).text();
    const lines = Math.ceil(LOG_BYTES / (LINE.length + 1));
    for (let seq = 0; seq * 1000 < lines; seq++)
      await s.service.store.appendLogs(
        id,
        's0',
        `${id}.s0.1`,
        seq,
        Array.from({ length: Math.min(1000, lines - seq * 1000) }, () => ({
          stream: 'stdout' as const,
          text: LINE,
          ts: 0,
        })),
      );
    const cookie = { cookie: `caravan_engine_session=${token}` };
    const page = await (await fetch(`${s.url}/runs/${id}`, { headers: cookie })).text();
    const json = await rate(`${s.url}/v1/runs/${id}`, { authorization: `Bearer ${token}` });
    const html = await rate(`${s.url}/runs/${id}`, cookie);
    return {
      name: `GET /runs/{id} page (${STEPS} steps, 10 MB log)`,
      value: html,
      unit: 'req/s',
      baseline: json,
      baselineName: 'GET /v1/runs/{id} JSON',
      goal: '>= 0.25x baseline, < 1 MB',
      met: html >= json * 0.25 && page.length < 1024 * 1024,
      detail: `page ${(page.length / 1024).toFixed(0)} KB`,
    };
  } finally {
    await s.stop();
    await s.service.engine.close();
    await s.service.store.close();
    rmSync(data, { recursive: true, force: true });
  }
}

const bench: Bench = {
  title: 'caravan server run pages',
  async run() {
    return [await runPage(), await runPageTails()];
  },
};
export default bench;
