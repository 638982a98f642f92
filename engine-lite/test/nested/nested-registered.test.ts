/**
 * Nested steps that name a registered pipeline (`uses: deploy`) on the real `caravan server`
 * process: the child runs the current revision and records it; a missing name and a cycle through
 * registered names are refused before anything runs; a pipeline referencing a secret that is not
 * stored cannot be added; stored secrets are read under the registered name, not `name:`. A
 * pipeline using stored secrets (or nesting one that does) is registered by an admin here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../server/server-process.js';
import { signBody } from '../../src/triggers/webhook.js';
import { caravanSync, client, ensureBuilt, root, startServer } from '../server/server-process.js';

const TOKEN_VALUE = 'deploy-token-7c1e0a';
let data: string;
let server: ServerProcess | undefined;
let runner: ReturnType<typeof client>;
let admin: ReturnType<typeof client>;
let cliEnv: NodeJS.ProcessEnv;
let adminCliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  ensureBuilt();
  data = mkdtempSync(join(tmpdir(), 'caravan-nested-registered-'));
  const env = { ...process.env, CARAVAN_HOME: data, CARAVAN_DATABASE_URL: '', CARAVAN_REGISTRY: '' };
  const runnerToken = caravanSync(['server', 'token', 'create', 'ci', '--role', 'runner'], env).trim();
  const adminToken = caravanSync(['server', 'token', 'create', 'boss', '--role', 'admin'], env).trim();
  server = await startServer(data, env);
  cliEnv = { ...env, CARAVAN_SERVER: server.url, CARAVAN_SERVER_TOKEN: runnerToken };
  adminCliEnv = { ...cliEnv, CARAVAN_SERVER_TOKEN: adminToken };
  runner = client(() => server!.url, runnerToken);
  admin = client(() => server!.url, adminToken);
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  rmSync(data, { recursive: true, force: true });
});

/** Registered as "deploy"; its `name:` differs on purpose: secrets are looked up under "deploy". */
const deploy = (greeting: string) =>
  [
    'version: "1"',
    'name: deploy-app',
    'params:',
    '  env: { type: string, required: true }',
    'secrets: [DEPLOY_TOKEN]',
    'outputs:',
    '  said: ${{ steps.ship.outputs.said }}',
    'steps:',
    '  - id: ship',
    '    run: |',
    `      test "$T" = "${TOKEN_VALUE}" && echo "said=${greeting} \${{ params.env }}" >> "$CARAVAN_OUTPUT"`,
    '    env: { T: "${{ secrets.DEPLOY_TOKEN }}" }',
  ].join('\n');

const caller = (uses: string) =>
  ['version: "1"', 'name: nightly', 'steps:', '  - id: deploy', `    uses: ${uses}`, '    with: { env: staging }'].join(
    '\n',
  );

describe('nested steps that name a registered pipeline', () => {
  it('refuses to add a pipeline whose secret is not stored, naming it; stored under --name, it is added', async () => {
    const refused = await admin.call('POST', '/v1/pipelines', { pipeline: deploy('hello'), name: 'deploy' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('missing-secrets');
    expect(refused.body.error.message).toContain('DEPLOY_TOKEN');
    expect(refused.body.error.problems?.join('\n')).toContain('caravan secrets set DEPLOY_TOKEN --pipeline deploy');
    // Stored under the pipeline's `name:` it does not count: the registered name is its identity.
    await admin.call('PUT', '/v1/secrets/DEPLOY_TOKEN', { value: 'wrong-scope', pipeline: 'deploy-app' });
    expect((await admin.call('POST', '/v1/pipelines', { pipeline: deploy('hello'), name: 'deploy' })).status).toBe(400);
    const set = await admin.call('PUT', '/v1/secrets/DEPLOY_TOKEN', { value: TOKEN_VALUE, pipeline: 'deploy' });
    expect(set.status).toBe(200);
    const added = await admin.call('POST', '/v1/pipelines', { pipeline: deploy('hello'), name: 'deploy' });
    expect(added.status).toBe(201);
    expect(JSON.stringify(refused.body) + JSON.stringify(added.body)).not.toContain(TOKEN_VALUE);
  });

  it('caravan pipelines add refuses it too, naming the secret, and registers nothing', () => {
    const file = join(data, 'deploy.yml');
    writeFileSync(file, deploy('hi'));
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'caravan.js'), 'pipelines', 'add', file, '--name', 'other'],
      {
        cwd: root,
        env: adminCliEnv,
        encoding: 'utf8',
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('DEPLOY_TOKEN');
    expect(r.stderr).toContain('caravan secrets set DEPLOY_TOKEN --pipeline other');
    expect(r.stdout).not.toContain('registered');
  });

  it('runs the current revision as a child run, records the revision, and reads secrets under the registered name', async () => {
    expect((await admin.call('POST', '/v1/pipelines', { pipeline: caller('deploy'), name: 'nightly' })).status).toBe(
      201,
    );
    const first = await runner.call('POST', '/v1/pipelines/nightly/runs', {});
    expect(first.status).toBe(201);
    const ended = await runner.waitEnd(first.body.id);
    expect(ended.status, JSON.stringify(ended)).toBe('success');
    const child1 = await runner.call('GET', `/v1/runs/${first.body.id}.deploy.1`);
    expect(child1.body).toMatchObject({ status: 'success', registered: { name: 'deploy', revision: 1 } });
    const parent1 = await runner.call('GET', `/v1/runs/${first.body.id}`);
    expect(parent1.body.steps[0]).toMatchObject({
      childRun: `${first.body.id}.deploy.1`,
      outputs: { said: 'hello staging' },
    });

    expect((await admin.call('POST', '/v1/pipelines', { pipeline: deploy('bonjour'), name: 'deploy' })).status).toBe(
      201,
    );
    const second = await runner.call('POST', '/v1/pipelines/nightly/runs', {});
    expect((await runner.waitEnd(second.body.id)).status).toBe('success');
    const child2 = await runner.call('GET', `/v1/runs/${second.body.id}.deploy.1`);
    expect(child2.body).toMatchObject({ registered: { name: 'deploy', revision: 2 } });
    const parent2 = await runner.call('GET', `/v1/runs/${second.body.id}`);
    expect((parent2.body.steps[0] as { outputs?: unknown } | undefined)?.outputs).toEqual({ said: 'bonjour staging' });
  }, 60_000);

  it('a webhook delivery and an API start read the webhook secret and ${{ secrets }} under the registered name', async () => {
    const push = deploy('pushed')
      .replace('name: deploy-app', 'name: push-app\non:\n  webhook:\n    secret: HOOK')
      .replace('required: true', 'default: hook');
    await admin.call('PUT', '/v1/secrets/HOOK', { value: 'hook-under-push-app', pipeline: 'push-app' });
    expect((await admin.call('POST', '/v1/pipelines', { pipeline: push, name: 'push' })).status).toBe(400);
    await admin.call('PUT', '/v1/secrets/HOOK', { value: 'hook-under-push', pipeline: 'push' });
    await admin.call('PUT', '/v1/secrets/DEPLOY_TOKEN', { value: TOKEN_VALUE, pipeline: 'push' });
    expect((await admin.call('POST', '/v1/pipelines', { pipeline: push, name: 'push' })).status).toBe(201);
    const body = JSON.stringify({ ref: 'main' });
    const deliver = (secret: string, id: string) =>
      fetch(`${server!.url}/v1/hooks/push`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-delivery': id,
          'x-hub-signature-256': signBody(secret, body),
        },
        body,
      });
    expect((await deliver('hook-under-push-app', 'd1')).status).toBe(401);
    const delivered = await deliver('hook-under-push', 'd2');
    expect(delivered.status).toBe(201);
    const hookRun = (await delivered.json()) as { id: string };
    expect((await runner.waitEnd(hookRun.id)).status).toBe('success');
    const started = await runner.call('POST', '/v1/pipelines/push/runs', { params: { env: 'api' } });
    const ended = await runner.waitEnd(started.body.id);
    expect(ended).toMatchObject({ status: 'success', registered: { name: 'push', revision: 1 } });
  }, 60_000);

  it('a name that is not registered is an error at file:line:col before anything runs', async () => {
    const before = (await runner.call('GET', '/v1/runs?limit=100')).body.runs.length;
    const run = await runner.call('POST', '/v1/runs', { pipeline: caller('nothere'), file: 'caller.yml' });
    expect(run.status).toBe(400);
    expect(run.body.error.problems?.join('\n')).toMatch(
      /^caller\.yml:4:5: error: step "deploy": no pipeline is registered as "nothere"/m,
    );
    const add = await runner.call('POST', '/v1/pipelines', { pipeline: caller('nothere'), name: 'caller' });
    expect(add.status).toBe(400);
    expect(add.body.error.problems?.join('\n')).toContain('no pipeline is registered as "nothere"');
    expect((await runner.call('GET', '/v1/runs?limit=100')).body.runs.length).toBe(before);
  });

  it('a cycle through registered names is refused when it would be registered, and nothing runs', async () => {
    const pong = ['version: "1"', 'name: pong', 'steps:', '  - id: say', '    run: echo pong'].join('\n');
    expect((await runner.call('POST', '/v1/pipelines', { pipeline: pong })).status).toBe(201);
    const ping = ['version: "1"', 'name: ping', 'steps:', '  - id: call', '    uses: pong'].join('\n');
    expect((await runner.call('POST', '/v1/pipelines', { pipeline: ping })).status).toBe(201);
    const pongBack = ['version: "1"', 'name: pong', 'steps:', '  - id: back', '    uses: ping'].join('\n');
    const cycle = await runner.call('POST', '/v1/pipelines', { pipeline: pongBack, file: 'pong.yml' });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.problems?.join('\n')).toContain(
      'nested pipelines form a cycle: pong (registered) → ping (registered) → pong (registered)',
    );
    expect((await runner.call('GET', '/v1/pipelines/pong')).body).toMatchObject({ revision: 1 });
    const self = ['version: "1"', 'name: loop', 'steps:', '  - id: again', '    uses: loop'].join('\n');
    expect((await runner.call('POST', '/v1/pipelines', { pipeline: self })).status).toBe(400);
  });

  it('caravan pipeline lint: an error against the server, a warning offline; caravan run without a server refuses', () => {
    const file = join(data, 'caller.yml');
    writeFileSync(file, caller('nothere'));
    const cli = (args: string[], extra: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), ...args], {
        cwd: root,
        env: { ...cliEnv, ...extra },
        encoding: 'utf8',
      });
    const online = cli(['pipeline', 'lint', file], {});
    expect(online.status).toBe(1);
    expect(online.stdout + online.stderr).toMatch(
      /caller\.yml:4:5: error: step "deploy": no pipeline is registered as "nothere"/,
    );
    writeFileSync(file, caller('deploy'));
    const known = cli(['pipeline', 'lint', file], {});
    expect(known.status, known.stdout + known.stderr).toBe(0);
    const offline = cli(['pipeline', 'lint', file], { CARAVAN_SERVER: '' });
    expect(offline.status).toBe(0);
    expect(offline.stdout + offline.stderr).toMatch(/caller\.yml:4:5: warning: .*cannot be checked offline/);
    const local = cli(['run', file], { CARAVAN_SERVER: '' });
    expect(local.status).toBe(2);
    expect(local.stderr).toContain('runs a registered pipeline (uses: deploy): that needs caravan server');
  }, 60_000);

  it('a registered pipeline may not nest a file: it has no folder to read it from', async () => {
    const add = await runner.call('POST', '/v1/pipelines', {
      pipeline: caller('./deploy/pipeline.yml'),
      name: 'filey',
    });
    expect(add.status).toBe(400);
    expect(add.body.error.message).toContain('runs other pipelines by their registered name only');
  });
});
