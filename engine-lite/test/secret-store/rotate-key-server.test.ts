/**
 * `caravan secrets rotate-key --server` against a running `caravan server` process: refused while a
 * run holds sealed secrets, then every stored secret is resealed under a new key file; the running
 * server and a restarted one read them, the old key opens nothing, and a server started with the old
 * key stops with a clear error.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretKeyError } from '../../src/secret-store/secret-key.js';
import { SecretStore } from '../../src/secret-store/secret-store.js';
import { client, root, startServer } from '../server/server-process.js';
import { serverForFile } from '../server/server-fixture.js';

const SERVER_VALUE = 'server-level-9d2f41';
const OWN_VALUE = 'pipeline-own-0b7a33';
let oldKey: string;

const fx = serverForFile('caravan-rotate-server', { boss: 'admin', ci: 'runner' });

function rotate(token: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), 'secrets', 'rotate-key'], {
    cwd: root,
    env: { ...fx.env, CARAVAN_SERVER: fx.server.url, CARAVAN_SERVER_TOKEN: token },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const pipeline = (step: string) =>
  [
    'version: "1"',
    'name: rot',
    'secrets: [SERVER_S, OWN_S]',
    'steps:',
    '  - id: check',
    `    run: ${step}`,
    '    env: { A: "${{ secrets.SERVER_S }}", B: "${{ secrets.OWN_S }}" }',
  ].join('\n');
const checks = pipeline(`'test "$A" = "${SERVER_VALUE}" && test "$B" = "${OWN_VALUE}"'`);

/** Stored secrets reach only registered pipelines' runs: an admin registers `source` as "rot". */
async function register(source: string): Promise<void> {
  const added = await client(() => fx.server.url, fx.tokens.boss!).call('PUT', '/v1/pipelines/rot', {
    pipeline: source,
  });
  expect(added.status, added.text).toBe(201);
}

async function runChecks(): Promise<string> {
  await register(checks);
  const api = client(() => fx.server.url, fx.tokens.ci!);
  const created = await api.call('POST', '/v1/pipelines/rot/runs', {});
  expect(created.status).toBe(201);
  return (await api.waitEnd(created.body.id)).status;
}

describe('rotating the key of a running server', () => {
  it('waits for runs holding sealed secrets, then reseals every secret; the old key opens nothing', async () => {
    const admin = client(() => fx.server.url, fx.tokens.boss!);
    expect((await admin.call('PUT', '/v1/secrets/SERVER_S', { value: SERVER_VALUE })).status).toBe(200);
    expect((await admin.call('PUT', '/v1/secrets/OWN_S', { value: OWN_VALUE, pipeline: 'rot' })).status).toBe(200);
    oldKey = readFileSync(join(fx.data, 'secret.key'), 'utf8').trim();

    const api = client(() => fx.server.url, fx.tokens.ci!);
    await register(pipeline('sleep 30'));
    const holding = await api.call('POST', '/v1/pipelines/rot/runs', {});
    expect(holding.status).toBe(201);
    const refused = rotate(fx.tokens.boss!);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('runs in progress hold secrets sealed under the current key');
    await api.call('POST', `/v1/runs/${holding.body.id}/cancel`);
    await api.waitEnd(holding.body.id);

    expect(rotate(fx.tokens.ci!).out).toContain('this needs the role admin');
    const done = rotate(fx.tokens.boss!);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain('resealed 2 secrets under the new key');
    const newKey = readFileSync(join(fx.data, 'secret.key'), 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(done.out).not.toContain(newKey);

    expect(() => new SecretStore(fx.data, { CARAVAN_SECRET_KEY: oldKey })).toThrow(SecretKeyError);
    const reopened = new SecretStore(fx.data, { CARAVAN_SECRET_KEY: newKey });
    try {
      expect(reopened.valuesFor('rot', ['SERVER_S', 'OWN_S'])).toEqual({ SERVER_S: SERVER_VALUE, OWN_S: OWN_VALUE });
    } finally {
      reopened.close();
    }
    // The running server reads them under the new key, and seals new runs' secrets with it.
    expect(await runChecks()).toBe('success');
  }, 120_000);

  it('a restarted server reads them; one started with the old key stops with a clear error', async () => {
    fx.server.child.kill('SIGTERM');
    await fx.server.exited;
    await expect(startServer(fx.data, { ...fx.env, CARAVAN_SECRET_KEY: oldKey })).rejects.toThrow(
      /the secret key from CARAVAN_SECRET_KEY does not open the stored secrets/,
    );
    fx.server = await startServer(fx.data, fx.env);
    expect(await runChecks()).toBe('success');
  }, 120_000);

  it('a server whose key comes from CARAVAN_SECRET_KEY refuses to rotate it and says how to rotate offline', async () => {
    const current = readFileSync(join(fx.data, 'secret.key'), 'utf8').trim();
    fx.server.child.kill('SIGTERM');
    await fx.server.exited;
    fx.server = await startServer(fx.data, { ...fx.env, CARAVAN_SECRET_KEY: current });
    const refused = rotate(fx.tokens.boss!);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('the key comes from CARAVAN_SECRET_KEY, which a running server cannot change');
    expect(refused.out).not.toContain(current);
    expect(readFileSync(join(fx.data, 'secret.key'), 'utf8').trim()).toBe(current);
    expect(await runChecks()).toBe('success');
  }, 120_000);
});
