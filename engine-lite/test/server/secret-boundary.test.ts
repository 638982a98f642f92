/**
 * Stored secrets are an access boundary against the `runner` role, on the real `caravan server`
 * process: they reach only code an admin registered. An ad-hoc run (POST /v1/runs) gets none,
 * whatever its `name:` or nested steps; a runner may not register or change a pipeline that uses
 * stored secrets; each nested run gets its own scope's secrets; a rerun keeps its run's scope.
 * A step proves which value it got by printing its sha256, never the value.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, root, type Answer } from './server-process.js';
import { serverForFile } from './server-fixture.js';

const DEPLOY_VALUE = 'deploy-scope-value-5b2e91';
const TOP_VALUE = 'top-scope-value-0c77d4';
const SERVER_VALUE = 'server-level-value-a81f03';
const HOOK_VALUE = 'hook-value-3d9e2c';
const VALUES = [DEPLOY_VALUE, TOP_VALUE, SERVER_VALUE, HOOK_VALUE];
const sha = (v: string) => createHash('sha256').update(v).digest('hex');

const fx = serverForFile('caravan-secret-boundary', { boss: 'admin', ci: 'runner' });
const admin = () => client(() => fx.server.url, fx.tokens.boss!);
const runner = () => client(() => fx.server.url, fx.tokens.ci!);

/** A pipeline whose step prints the sha256 of the secret it declares, and the secret itself (masked). */
const printing = (name: string, secret = 'DEPLOY_TOKEN', extra: string[] = []) =>
  [
    'version: "1"',
    `name: ${name}`,
    `secrets: [${secret}]`,
    ...extra,
    'steps:',
    '  - id: show',
    `    run: 'printf "%s" "$T" | sha256sum; echo "token=$T"'`,
    `    env: { T: "\${{ secrets.${secret} }}" }`,
  ].join('\n');

const nesting = (name: string, uses: string, own?: string) =>
  [
    'version: "1"',
    `name: ${name}`,
    ...(own ? [`secrets: [${own}]`] : []),
    'steps:',
    ...(own
      ? ['  - id: mine', `    run: 'printf "%s" "$T" | sha256sum'`, `    env: { T: "\${{ secrets.${own} }}" }`]
      : []),
    '  - id: child',
    `    uses: ${uses}`,
  ].join('\n');

const plain = (name: string) =>
  ['version: "1"', `name: ${name}`, 'steps:', '  - id: hi', '    run: echo hi'].join('\n');

async function logsOf(id: string): Promise<string> {
  return (await runner().call('GET', `/v1/runs/${id}/logs`)).text;
}

function expectRefusal(a: Answer, status: number, code: string): void {
  expect(a.status, a.text).toBe(status);
  expect(a.body.error.code).toBe(code);
  expect(a.body.error.message.length).toBeGreaterThan(0);
  expect(a.body.error.hint.length).toBeGreaterThan(0);
  for (const v of VALUES) expect(a.text).not.toContain(v);
}

describe('stored secrets reach only code an admin registered', () => {
  it('setup: an admin stores secrets and registers deploy, which uses one', async () => {
    const put = (name: string, value: string, pipeline?: string) =>
      admin().call('PUT', `/v1/secrets/${name}`, { value, ...(pipeline ? { pipeline } : {}) });
    expect((await put('DEPLOY_TOKEN', DEPLOY_VALUE, 'deploy')).status).toBe(200);
    expect((await put('DEPLOY_TOKEN', TOP_VALUE, 'top')).status).toBe(200);
    expect((await put('SERVER_TOKEN', SERVER_VALUE)).status).toBe(200);
    expect((await put('HOOK', HOOK_VALUE, 'hooked')).status).toBe(200);
    const added = await admin().call('PUT', '/v1/pipelines/deploy', { pipeline: printing('deploy') });
    expect(added.status, added.text).toBe(201);
  });

  it('a runner triggers the registered pipeline: it gets its secret, masked in the log', async () => {
    const started = await runner().call('POST', '/v1/pipelines/deploy/runs', {});
    expect(started.status, started.text).toBe(201);
    expect((await runner().waitEnd(started.body.id)).status).toBe('success');
    const logs = await logsOf(started.body.id);
    expect(logs).toContain(sha(DEPLOY_VALUE));
    expect(logs).toContain('token=***');
    expect(logs).not.toContain(DEPLOY_VALUE);
  }, 60_000);

  it('an ad-hoc run named as the registered pipeline gets no stored secret: 400 saying what to do', async () => {
    const before = (await runner().call('GET', '/v1/runs?limit=500')).body.runs.length;
    const refused = await runner().call('POST', '/v1/runs', { pipeline: printing('deploy') });
    expectRefusal(refused, 400, 'missing-secrets');
    expect(refused.body.error.message).toContain('DEPLOY_TOKEN');
    expect(refused.body.error.message).toContain('ad-hoc');
    expect(refused.body.error.hint).toContain('POST /v1/pipelines/deploy/runs');
    expect(refused.body.error.hint).toContain('"secrets"');
    expect((await runner().call('GET', '/v1/runs?limit=500')).body.runs.length).toBe(before);
  });

  it('an ad-hoc run declaring a server-level secret gets none either', async () => {
    const refused = await runner().call('POST', '/v1/runs', { pipeline: printing('anything', 'SERVER_TOKEN') });
    expectRefusal(refused, 400, 'missing-secrets');
    expect(refused.body.error.message).toContain('SERVER_TOKEN');
  });

  it('an ad-hoc run nesting deploy and declaring its secret gets neither its value nor the child its own', async () => {
    const refused = await runner().call('POST', '/v1/runs', { pipeline: nesting('sneaky', 'deploy', 'DEPLOY_TOKEN') });
    expectRefusal(refused, 400, 'missing-secrets');
  });

  it('an ad-hoc run still takes the secrets sent with it, masked', async () => {
    const given = 'given-by-caller-93ab1f';
    const created = await runner().call('POST', '/v1/runs', {
      pipeline: printing('deploy'),
      secrets: { DEPLOY_TOKEN: given },
    });
    expect(created.status, created.text).toBe(201);
    expect((await runner().waitEnd(created.body.id)).status).toBe('success');
    const logs = await logsOf(created.body.id);
    expect(logs).toContain(sha(given));
    expect(logs).not.toContain(sha(DEPLOY_VALUE));
    expect(logs).toContain('token=***');
  }, 60_000);

  it('a rerun of an ad-hoc run keeps its scope: no stored secret; with them sent again it runs', async () => {
    const given = 'given-for-rerun-62cc0e';
    const created = await runner().call('POST', '/v1/runs', {
      pipeline: printing('deploy'),
      secrets: { DEPLOY_TOKEN: given },
    });
    await runner().waitEnd(created.body.id);
    const refused = await runner().call('POST', `/v1/runs/${created.body.id}/rerun`, {});
    expectRefusal(refused, 400, 'missing-secrets');
    expect(refused.body.error.hint).toContain('"secrets"');
    const again = await runner().call('POST', `/v1/runs/${created.body.id}/rerun`, {
      secrets: { DEPLOY_TOKEN: given },
    });
    expect(again.status, again.text).toBe(201);
    expect((await runner().waitEnd(again.body.id)).status).toBe('success');
    expect(await logsOf(again.body.id)).toContain(sha(given));
  }, 60_000);

  it("a rerun of a registered pipeline's run gets its stored secret again", async () => {
    const started = await runner().call('POST', '/v1/pipelines/deploy/runs', {});
    await runner().waitEnd(started.body.id);
    const again = await runner().call('POST', `/v1/runs/${started.body.id}/rerun`, {});
    expect(again.status, again.text).toBe(201);
    expect((await runner().waitEnd(again.body.id)).status).toBe('success');
    expect(await logsOf(again.body.id)).toContain(sha(DEPLOY_VALUE));
  }, 60_000);
});

describe('registering code that uses stored secrets needs an admin', () => {
  it('a runner cannot replace deploy with code of its own that declares its secret (PUT or POST)', async () => {
    const evil = printing('deploy').replace('token=', 'stolen=');
    const put = await runner().call('PUT', '/v1/pipelines/deploy', { pipeline: evil });
    expectRefusal(put, 403, 'forbidden');
    expect(put.body.error.message).toContain('DEPLOY_TOKEN');
    expect(put.body.error.message).toContain('runner');
    expect(put.body.error.hint).toContain('admin');
    const post = await runner().call('POST', '/v1/pipelines', { pipeline: evil, name: 'deploy' });
    expectRefusal(post, 403, 'forbidden');
    expect((await runner().call('GET', '/v1/pipelines/deploy')).body).toMatchObject({ revision: 1 });
  });

  it('a runner cannot register a pipeline nesting one that uses stored secrets, nor one with a webhook', async () => {
    const nested = await runner().call('POST', '/v1/pipelines', { pipeline: nesting('wrapper', 'deploy') });
    expectRefusal(nested, 403, 'forbidden');
    expect(nested.body.error.message).toContain('deploy');
    const hooked = plain('hooked').replace('steps:', 'on:\n  webhook:\n    secret: HOOK\nsteps:');
    const hook = await runner().call('POST', '/v1/pipelines', { pipeline: hooked });
    expectRefusal(hook, 403, 'forbidden');
    expect(hook.body.error.message).toContain('HOOK');
    expect((await admin().call('POST', '/v1/pipelines', { pipeline: hooked })).status).toBe(201);
  });

  it('a runner still registers, replaces and triggers pipelines that use no stored secret', async () => {
    expect((await runner().call('POST', '/v1/pipelines', { pipeline: plain('hello') })).status).toBe(201);
    expect((await runner().call('PUT', '/v1/pipelines/hello', { pipeline: plain('hello') })).status).toBe(201);
    const started = await runner().call('POST', '/v1/pipelines/hello/runs', {});
    expect(started.status).toBe(201);
    expect((await runner().waitEnd(started.body.id)).status).toBe('success');
  }, 60_000);

  it('a runner cannot change (nor remove and add again) a pipeline nested in one that declares secrets', async () => {
    const leaf = [
      'version: "1"',
      'name: leaf',
      'params:',
      '  token: { type: string }',
      'steps:',
      '  - id: use',
      '    run: "true"',
    ];
    expect((await runner().call('PUT', '/v1/pipelines/leaf', { pipeline: leaf.join('\n') })).status).toBe(201);
    const holder = [
      'version: "1"',
      'name: holder',
      'secrets: [SERVER_TOKEN]',
      'steps:',
      '  - id: pass',
      '    uses: leaf',
      '    with: { token: "${{ secrets.SERVER_TOKEN }}" }',
    ].join('\n');
    expect((await admin().call('PUT', '/v1/pipelines/holder', { pipeline: holder })).status).toBe(201);
    const leaking = leaf.join('\n').replace('run: "true"', 'run: \'echo "${{ params.token }}" | sha256sum\'');
    const changed = await runner().call('PUT', '/v1/pipelines/leaf', { pipeline: leaking });
    expectRefusal(changed, 403, 'forbidden');
    expect(changed.body.error.message).toContain('runs nested in "holder" (SERVER_TOKEN)');
    expect((await runner().call('DELETE', '/v1/pipelines/leaf')).status).toBe(200);
    expectRefusal(await runner().call('POST', '/v1/pipelines', { pipeline: leaking }), 403, 'forbidden');
    expect((await admin().call('POST', '/v1/pipelines', { pipeline: leaf.join('\n') })).status).toBe(201);
  });

  it('each nested run gets its own scope: the top and its child read the same name with their own values', async () => {
    const added = await admin().call('PUT', '/v1/pipelines/top', {
      pipeline: nesting('top', 'deploy', 'DEPLOY_TOKEN'),
    });
    expect(added.status, added.text).toBe(201);
    const started = await runner().call('POST', '/v1/pipelines/top/runs', {});
    expect(started.status, started.text).toBe(201);
    expect((await runner().waitEnd(started.body.id)).status).toBe('success');
    const top = await runner().call('GET', `/v1/runs/${started.body.id}/logs?step=mine`);
    expect(top.text).toContain(sha(TOP_VALUE));
    const child = await logsOf(`${started.body.id}.child.1`);
    expect(child).toContain(sha(DEPLOY_VALUE));
    expect(child).not.toContain(sha(TOP_VALUE));
  }, 60_000);

  it('no stored value reached any answer or the server log', async () => {
    const runs = await runner().call('GET', '/v1/runs?limit=500');
    for (const v of VALUES) {
      expect(runs.text).not.toContain(v);
      expect(fx.server.output()).not.toContain(v);
    }
  });
});

describe('the CLI renders the refusals: what, why, how to fix', () => {
  const caravan = (args: string[], token: string) =>
    spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), ...args], {
      cwd: root,
      env: { ...fx.env, CARAVAN_SERVER: fx.server.url, CARAVAN_SERVER_TOKEN: token },
      encoding: 'utf8',
    });

  it('caravan pipelines add as a runner: the pipeline needs an admin', () => {
    const file = join(fx.data, 'deploy.yml');
    writeFileSync(file, printing('deploy'));
    const r = caravan(['pipelines', 'add', file, '--name', 'deploy'], fx.tokens.ci!);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error: pipeline "deploy" uses stored secrets \(DEPLOY_TOKEN\): .*needs the role admin/m);
    expect(r.stderr).toMatch(/^hint: ask an admin to register it/m);
    expect(r.stdout).not.toContain('registered');
  });

  it('caravan run --server with a declared secret not sent: how to send it or register the pipeline', async () => {
    const file = join(fx.data, 'adhoc.yml');
    writeFileSync(file, printing('adhoc'));
    const r = caravan(['run', file], fx.tokens.ci!);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error: secret DEPLOY_TOKEN declared by pipeline "adhoc" was not sent with the run/m);
    expect(r.stderr).toMatch(
      /^hint: send them in "secrets" \(caravan run --server URL FILE --secret DEPLOY_TOKEN=VALUE\)/m,
    );
    const given = caravan(['run', file, '--secret', 'DEPLOY_TOKEN=sent-by-cli-0d1f'], fx.tokens.ci!);
    expect(given.status, given.stderr).toBe(0);
    const id = /^run (\S+)$/m.exec(given.stdout)?.[1];
    expect(await logsOf(id!)).toContain(sha('sent-by-cli-0d1f'));
    for (const v of VALUES) expect(r.stderr + given.stdout + given.stderr).not.toContain(v);
  }, 60_000);
});
