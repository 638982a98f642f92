/**
 * Registered pipelines and webhooks against the real `caravan server` process: the API and the
 * `caravan pipelines` commands, revisions recorded by runs, and GitHub-style signed deliveries
 * (valid, missing, wrong, replayed across a restart, too large).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { signBody } from '../../src/triggers/webhook.js';
import { client, root, startServer } from '../server/server-process.js';
import { serverForFile } from '../server/server-fixture.js';

const HOOK_SECRET = 'hook-secret-4f9a1c';

const hooked = (ref: string) =>
  [
    'version: "1"',
    'name: on-push',
    'on:',
    '  webhook:',
    '    secret: HOOK',
    'steps:',
    `  - id: say\n    run: "echo ${ref} \${{ event.ref }} by \${{ event.pusher.name }}"`,
  ].join('\n');

const fx = serverForFile(
  'caravan-triggers',
  { ci: 'runner', eyes: 'viewer', boss: 'admin' },
  { CARAVAN_SECRET_HOOK: HOOK_SECRET },
);

const api = () => client(() => fx.server.url, fx.tokens.ci!);
/** A webhook's secret is a stored secret: only an admin registers a pipeline with one. */
const adminApi = () => client(() => fx.server.url, fx.tokens.boss!);

async function deliver(name: string, payload: unknown, headers: Record<string, string>, body?: string) {
  const text = body ?? JSON.stringify(payload);
  const res = await fetch(`${fx.server.url}/v1/hooks/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', ...headers },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { message: string } } };
}

const runCount = async () => (await api().call('GET', '/v1/runs?limit=500')).body.runs.length;

describe('registered pipelines through the API', () => {
  it('stores revisions, shows them, and starts runs that record their revision', async () => {
    const first = await adminApi().call('POST', '/v1/pipelines', { pipeline: hooked('one'), file: 'push.yml' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'on-push', revision: 1, warnings: [] });
    const second = await adminApi().call('PUT', '/v1/pipelines/on-push', { pipeline: hooked('two') });
    expect(second.body).toMatchObject({ name: 'on-push', revision: 2 });
    const list = await api().call('GET', '/v1/pipelines');
    expect(list.body.pipelines).toMatchObject([{ name: 'on-push', revision: 2 }]);
    const shown = await client(() => fx.server.url, fx.tokens.eyes!).call('GET', '/v1/pipelines/on-push');
    expect(shown.body).toMatchObject({ revision: 2, webhook: { secret: 'HOOK', path: '/v1/hooks/on-push' } });
    const started = await api().call('POST', '/v1/pipelines/on-push/runs', {});
    expect(started.body).toMatchObject({ pipeline: 'on-push', revision: 2 });
    const run = await api().waitEnd(started.body.id);
    expect(run.status).toBe('success');
    expect(run.labels).toMatchObject({ 'caravan.pipeline': 'on-push', 'caravan.revision': '2' });
  }, 60_000);

  it('answers bad input with clear errors: invalid pipeline, unknown name, viewer writing, bad name', async () => {
    const bad = await api().call('POST', '/v1/pipelines', {
      pipeline: 'version: "1"\nname: x\non:\n  schedule:\n    - cron: "0 2 * *"\nsteps:\n  - id: a\n    run: "true"\n',
      file: 'x.yml',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems?.[0]).toMatch(/^x\.yml:5:13: .*cron.*has 4 fields/);
    expect((await api().call('GET', '/v1/pipelines/nope')).status).toBe(404);
    expect((await api().call('POST', '/v1/pipelines/nope/runs', {})).status).toBe(404);
    const asViewer = await client(() => fx.server.url, fx.tokens.eyes!).call('DELETE', '/v1/pipelines/on-push');
    expect(asViewer.status).toBe(403);
    const badName = await api().call('PUT', '/v1/pipelines/Bad%20Name', { pipeline: hooked('x') });
    expect(badName.status).toBe(400);
    expect(badName.body.error.message).toMatch(/not a valid pipeline name/);
  });
});

describe('webhooks', () => {
  const payload = { ref: 'refs/heads/main', pusher: { name: 'octocat' } };

  it('a signed delivery starts a run that reads the payload as event.*', async () => {
    const body = JSON.stringify(payload);
    const answer = await deliver('on-push', payload, {
      'x-hub-signature-256': signBody(HOOK_SECRET, body),
      'x-github-delivery': 'd-1',
    });
    expect(answer.status).toBe(201);
    const run = await api().waitEnd(String(answer.body.id));
    expect(run.status).toBe('success');
    expect(run.labels).toMatchObject({ 'caravan.trigger': 'webhook', 'caravan.revision': '2' });
    const logs = await api().call('GET', `/v1/runs/${answer.body.id}/logs`);
    expect(logs.text).toContain('two refs/heads/main by octocat');
    // A rerun reads the same payload.
    const again = await api().call('POST', `/v1/runs/${answer.body.id}/rerun`, {});
    expect((await api().waitEnd(again.body.id)).status).toBe('success');
    expect((await api().call('GET', `/v1/runs/${again.body.id}/logs`)).text).toContain(
      'two refs/heads/main by octocat',
    );
  }, 60_000);

  it('a missing or wrong signature is 401 and starts nothing; a signed ping is answered and starts nothing', async () => {
    const before = await runCount();
    const ping = { zen: 'Keep it logically awesome.', hook_id: 1 };
    const pong = await deliver('on-push', ping, {
      'x-github-event': 'ping',
      'x-hub-signature-256': signBody(HOOK_SECRET, JSON.stringify(ping)),
    });
    expect(pong).toMatchObject({ status: 200, body: { pong: true } });
    const missing = await deliver('on-push', payload, { 'x-github-delivery': 'd-2' });
    expect(missing.status).toBe(401);
    expect(missing.body.error?.message).toMatch(/X-Hub-Signature-256 header is missing/);
    const wrong = await deliver('on-push', payload, {
      'x-hub-signature-256': signBody('not-the-secret', JSON.stringify(payload)),
      'x-github-delivery': 'd-3',
    });
    expect(wrong.status).toBe(401);
    const tampered = await deliver(
      'on-push',
      payload,
      { 'x-hub-signature-256': signBody(HOOK_SECRET, JSON.stringify(payload)), 'x-gitea-delivery': 'd-4' },
      JSON.stringify({ ...payload, ref: 'refs/heads/evil' }),
    );
    expect(tampered.status).toBe(401);
    expect(JSON.stringify([missing, wrong, tampered])).not.toContain(HOOK_SECRET);
    expect(await runCount()).toBe(before);
  });

  it('a replayed delivery id is ignored, also after a restart', async () => {
    const body = JSON.stringify(payload);
    const headers = { 'x-hub-signature-256': signBody(HOOK_SECRET, body), 'x-gitea-delivery': 'd-5' };
    const first = await deliver('on-push', payload, headers);
    expect(first.status).toBe(201);
    const before = await runCount();
    const replay = await deliver('on-push', payload, headers);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ ignored: true, runId: first.body.id });
    fx.server.child.kill('SIGTERM');
    await fx.server.exited;
    fx.server = await startServer(fx.data, fx.env);
    const afterRestart = await deliver('on-push', payload, headers);
    expect(afterRestart.status).toBe(202);
    expect(await runCount()).toBe(before);
  }, 60_000);

  it('a webhook secret that is not stored: add is refused naming it; stored, deliveries start runs; removed, 401', async () => {
    const pipeline = hooked('x').replace('name: on-push', 'name: unsigned').replace('secret: HOOK', 'secret: MISSING');
    const refused = await adminApi().call('POST', '/v1/pipelines', { pipeline });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe('missing-secrets');
    expect(refused.body.error?.message).toContain('MISSING');
    expect(refused.body.error?.problems?.join('\n')).toMatch(
      /^pipeline\.yml:5:13: error: the webhook secret "MISSING"/m,
    );
    expect((await api().call('GET', '/v1/pipelines/unsigned')).status).toBe(404);
    // Stored for the pipeline (caravan secrets set MISSING --pipeline unsigned): add succeeds,
    // and signed deliveries start runs.
    const admins = client(() => fx.server.url, fx.tokens.boss!);
    const set = await admins.call('PUT', '/v1/secrets/MISSING', { value: 'stored-hook-secret', pipeline: 'unsigned' });
    expect(set.status).toBe(200);
    expect((await adminApi().call('POST', '/v1/pipelines', { pipeline })).status).toBe(201);
    const body = JSON.stringify(payload);
    const signed = await deliver('unsigned', payload, { 'x-hub-signature-256': signBody('stored-hook-secret', body) });
    expect(signed.status).toBe(201);
    expect((await api().waitEnd(String(signed.body.id))).status).toBe('success');
    expect((await admins.call('DELETE', '/v1/secrets/MISSING?pipeline=unsigned')).status).toBe(200);
    const answer = await deliver('unsigned', payload, { 'x-hub-signature-256': signBody('stored-hook-secret', body) });
    expect(answer.status).toBe(401);
    expect(answer.body.error?.message).toMatch(/"MISSING" of "unsigned" is not stored/);
  });

  it('a body over the limit is 413; an unknown pipeline 404; a payload that is not JSON 400', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) });
    const tooBig = await deliver('on-push', {}, { 'x-hub-signature-256': signBody(HOOK_SECRET, big) }, big);
    expect(tooBig.status).toBe(413);
    expect((await deliver('nope', payload, {})).status).toBe(404);
    const notJson = await deliver('on-push', {}, { 'x-hub-signature-256': signBody(HOOK_SECRET, 'hello') }, 'hello');
    expect(notJson.status).toBe(400);
  });
});

describe('caravan pipelines', () => {
  const run = promisify(execFile);
  const caravan = (args: string[]) =>
    run(process.execPath, [join(root, 'bin', 'caravan.js'), ...args], {
      cwd: root,
      env: { ...fx.env, CARAVAN_SERVER: fx.server.url, CARAVAN_SERVER_TOKEN: fx.tokens.ci! },
    });

  it('adds, lists, shows the next five fire times, and removes', async () => {
    const file = join(fx.data, 'nightly.yml');
    writeFileSync(
      file,
      'version: "1"\nname: nightly\non:\n  schedule:\n    - cron: "0 2 * * *"\n      timezone: Europe/Berlin\nsteps:\n  - id: a\n    run: "true"\n',
    );
    expect((await caravan(['pipelines', 'add', file, '--name', 'nightly-x'])).stdout).toContain(
      'registered nightly-x, revision 1',
    );
    expect((await caravan(['pipelines', 'list'])).stdout).toMatch(/nightly-x\s+1\s+nightly\.yml/);
    const started = JSON.parse(
      (await caravan(['pipelines', 'run', 'nightly-x', '--label', 'why=test', '--json'])).stdout,
    );
    expect(started).toMatchObject({ pipeline: 'nightly-x', revision: 1 });
    const run = await api().waitEnd(started.id);
    expect(run.labels).toMatchObject({ why: 'test', 'caravan.trigger': 'api', 'caravan.pipeline': 'nightly-x' });
    const shown = (await caravan(['pipelines', 'show', 'nightly-x'])).stdout;
    expect(shown).toContain('schedule "0 2 * * *" (Europe/Berlin), catch-up: latest');
    expect(shown.match(/^\s+\d{4}-\d\d-\d\d (00|01):00:00Z$/gm)).toHaveLength(5);
    expect((await caravan(['pipelines', 'remove', 'nightly-x'])).stdout).toContain('removed nightly-x');
    await expect(caravan(['pipelines', 'show', 'nightly-x'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no registered pipeline "nightly-x"'),
    });
  }, 60_000);

  it('says a server is needed when none is named', async () => {
    await expect(
      run(process.execPath, [join(root, 'bin', 'caravan.js'), 'pipelines', 'list'], {
        cwd: root,
        env: { ...fx.env, CARAVAN_SERVER: '' },
      }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('pass --server URL or set CARAVAN_SERVER') });
  });
});
