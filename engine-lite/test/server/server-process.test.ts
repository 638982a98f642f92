/**
 * `caravan server` as a real process on SQLite: the API's answers to good and bad requests, a
 * run's secrets (never answered, sealed only while the run lives), `kill -9` with a run in flight
 * and a restart (nothing lost, no succeeded step run twice), SIGTERM, and the queue across runs.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiBody, ServerProcess } from './server-process.js';
import { caravanSync, client, ensureBuilt, startServer } from './server-process.js';

let data: string;
let env: NodeJS.ProcessEnv;
let server: ServerProcess;
let tokens: { viewer: string; runner: string };
const base = () => server.url;

beforeAll(async () => {
  ensureBuilt();
  data = mkdtempSync(join(tmpdir(), 'caravan-server-'));
  env = { ...process.env, CARAVAN_HOME: data, CARAVAN_DATABASE_URL: '', CARAVAN_REGISTRY: '', CARAVAN_SECRET_KEY: '' };
  tokens = {
    viewer: caravanSync(['server', 'token', 'create', 'watcher', '--role', 'viewer'], env).trim(),
    runner: caravanSync(['server', 'token', 'create', 'ci', '--role', 'runner'], env).trim(),
  };
  server = await startServer(data, env, ['--max-runs', '1']);
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  rmSync(data, { recursive: true, force: true });
});

const runner = () => client(base, tokens.runner);
const viewer = () => client(base, tokens.viewer);

function shellPipeline(name: string, steps: Array<{ id: string; run: string; needs?: string[] }>, extra = ''): string {
  const body = steps
    .map(
      (s) =>
        `  - id: ${s.id}\n${s.needs ? `    needs: [${s.needs.join(', ')}]\n` : ''}    run: ${JSON.stringify(s.run)}\n`,
    )
    .join('');
  return `version: "1"\nname: ${name}\n${extra}steps:\n${body}`;
}

describe('the API answers bad requests with what is wrong', () => {
  it('401 without a token, 403 without the role, 404 for an unknown run', async () => {
    const anon = await fetch(`${base()}/v1/runs`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as ApiBody).error.code).toBe('unauthenticated');
    const refused = await viewer().call('POST', '/v1/runs', {
      pipeline: shellPipeline('p', [{ id: 'a', run: 'true' }]),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('runner');
    const missing = await viewer().call('GET', '/v1/runs/zzzz-000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not-found', hint: expect.any(String) });
  });

  it('400 with the file:line:col problems of an invalid pipeline, as lint prints them', async () => {
    const r = await runner().call('POST', '/v1/runs', {
      pipeline: 'version: "1"\nname: bad\nsteps:\n  - id: a\n    usez: caravan/shell@^1\n',
      file: 'ci/pipeline.yml',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid-pipeline');
    expect(r.body.error.problems).toEqual([expect.stringMatching(/^ci\/pipeline\.yml:5:5: error: unknown key "usez"/)]);
  });

  it('400 for a body of the wrong shape, 413 for one over the limit', async () => {
    const wrong = await runner().call('POST', '/v1/runs', { pipeline: 'x', params: ['a'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('"params"');
    const huge = await runner().call('POST', '/v1/runs', { pipeline: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('body-too-large');
  });
});

describe('runs', () => {
  it('runs a pipeline to its end; its secret is never answered, and is wiped when the run ends', async () => {
    const pipeline = shellPipeline(
      'secretive',
      [
        { id: 'use', run: 'echo "the token is $API_TOKEN"; sleep 1' },
        { id: 'after', run: 'echo done', needs: ['use'] },
      ],
      'secrets: [API_TOKEN]\n',
    );
    const secret = 'pa55-w0rd-value-xyz';
    const created = await runner().call('POST', '/v1/runs', {
      pipeline,
      secrets: { API_TOKEN: secret },
      labels: { team: 'web' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const serverDb = new Database(join(data, 'server.db'), { readonly: true });
    try {
      await runner().waitFor(id, (r) => r.status === 'running');
      const sealed = serverDb.prepare('SELECT sealed FROM run_secrets WHERE run_id = ?').pluck().get(id) as string;
      expect(sealed).toBeTruthy();
      expect(sealed).not.toContain(secret);
      const run = await runner().waitEnd(id);
      expect(run.status).toBe('success');
      expect(serverDb.prepare('SELECT COUNT(*) FROM run_secrets WHERE run_id = ?').pluck().get(id)).toBe(0);
    } finally {
      serverDb.close();
    }
    const everything = [
      await viewer().call('GET', `/v1/runs/${id}`),
      await viewer().call('GET', `/v1/runs?label=team=web`),
      await viewer().call('GET', `/v1/runs/${id}/logs`),
      await viewer().call('GET', `/v1/runs/${id}/events`),
    ];
    for (const r of everything) expect(r.text).not.toContain(secret);
    expect(everything[2]!.text).toContain('the token is ***');
    expect(everything[1]!.body.runs.map((r) => r.id)).toEqual([id]);
    expect(everything[0]!.body.steps.map((s) => [s.id, s.status])).toEqual([
      ['use', 'success'],
      ['after', 'success'],
    ]);
  });

  it('survives kill -9 with a run in flight: the restarted server finishes it and runs no succeeded step twice', async () => {
    const marks = join(data, 'marks.txt');
    const pipeline = shellPipeline('crashy', [
      { id: 'first', run: `echo first >> ${marks}` },
      { id: 'slow', run: `sleep 2; echo slow >> ${marks}`, needs: ['first'] },
      { id: 'last', run: `echo last >> ${marks}`, needs: ['slow'] },
    ]);
    const { id } = (await runner().call('POST', '/v1/runs', { pipeline })).body as { id: string };
    await runner().waitFor(id, (r) => r.steps.find((s) => s.id === 'slow')?.status === 'running');
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServer(data, env, ['--max-runs', '1']);
    const run = await runner().waitEnd(id);
    expect(run.status).toBe('success');
    expect(readFileSync(marks, 'utf8').trim().split('\n')).toEqual(['first', 'slow', 'last']);
    expect(run.steps.map((s) => s.attempt)).toEqual([1, 1, 1]);
  }, 90_000);

  it('stops on SIGTERM with exit 0, leaving its running step to the next start', async () => {
    const pipeline = shellPipeline('termed', [{ id: 'wait', run: 'sleep 2; echo waited' }]);
    const { id } = (await runner().call('POST', '/v1/runs', { pipeline })).body as { id: string };
    await runner().waitFor(id, (r) => r.steps[0]?.status === 'running');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = await startServer(data, env, ['--max-runs', '1']);
    const run = await runner().waitEnd(id);
    expect(run.steps[0]!).toMatchObject({ status: 'success', attempt: 1 });
  }, 90_000);
});

describe('one queue across runs', () => {
  it('starts queued runs by priority, FIFO within one, takes a new priority while queued, and keeps positions across a restart', async () => {
    const blocker = (
      await runner().call('POST', '/v1/runs', { pipeline: shellPipeline('blocker', [{ id: 'b', run: 'sleep 2' }]) })
    ).body.id;
    await runner().waitFor(blocker, (r) => r.status === 'running');
    const submit = async (name: string, priority: number) =>
      (await runner().call('POST', '/v1/runs', { pipeline: shellPipeline(name, [{ id: 'x', run: 'true' }]), priority }))
        .body.id as string;
    const low = await submit('low', 0);
    const high1 = await submit('high1', 5);
    const high2 = await submit('high2', 5);
    const bumped = await submit('bumped', 0);
    expect((await runner().call('PATCH', `/v1/runs/${bumped}`, { priority: 9 })).status).toBe(200);
    const queue = (await viewer().call('GET', '/v1/queue')).body;
    expect(queue.runs.filter((q) => q.state === 'queued').map((q) => [q.runId, q.position])).toEqual([
      [bumped, 0],
      [high1, 1],
      [high2, 2],
      [low, 3],
    ]);
    expect(queue.runs.find((q) => q.runId === high1)?.reason).toContain('waiting for a run slot');
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServer(data, env, ['--max-runs', '1']);
    const ended = [];
    for (const id of [blocker, bumped, high1, high2, low]) ended.push(await runner().waitEnd(id));
    const starts = ended.map((r) => r.startedAt as number);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    const patchLate = await runner().call('PATCH', `/v1/runs/${low}`, { priority: 1 });
    expect(patchLate.status).toBe(409);
  }, 120_000);
});
