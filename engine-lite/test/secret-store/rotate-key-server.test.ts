/**
 * `caravan secrets rotate-key --server` against a running `caravan server` process: refused while a
 * run holds sealed secrets, then every stored secret is resealed under a new key file; the running
 * server and a restarted one read them, the old key opens nothing, and a server started with the old
 * key stops with a clear error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretKeyError } from '../../src/secret-store/secret-key.js';
import { SecretStore } from '../../src/secret-store/secret-store.js';
import type { ServerProcess } from '../server/server-process.js';
import { caravanSync, client, ensureBuilt, root, startServer } from '../server/server-process.js';

const SERVER_VALUE = 'server-level-9d2f41';
const OWN_VALUE = 'pipeline-own-0b7a33';
let data: string;
let env: NodeJS.ProcessEnv;
let server: ServerProcess | undefined;
let adminToken: string;
let runnerToken: string;
let oldKey: string;

beforeAll(async () => {
  ensureBuilt();
  data = mkdtempSync(join(tmpdir(), 'caravan-rotate-server-'));
  env = { ...process.env, CARAVAN_HOME: data, CARAVAN_DATABASE_URL: '', CARAVAN_REGISTRY: '', CARAVAN_SECRET_KEY: '' };
  adminToken = caravanSync(['server', 'token', 'create', 'boss', '--role', 'admin'], env).trim();
  runnerToken = caravanSync(['server', 'token', 'create', 'ci', '--role', 'runner'], env).trim();
  server = await startServer(data, env);
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  rmSync(data, { recursive: true, force: true });
});

function rotate(token: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), 'secrets', 'rotate-key'], {
    cwd: root,
    env: { ...env, CARAVAN_SERVER: server!.url, CARAVAN_SERVER_TOKEN: token },
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
  const added = await client(() => server!.url, adminToken).call('PUT', '/v1/pipelines/rot', { pipeline: source });
  expect(added.status, added.text).toBe(201);
}

async function runChecks(): Promise<string> {
  await register(checks);
  const api = client(() => server!.url, runnerToken);
  const created = await api.call('POST', '/v1/pipelines/rot/runs', {});
  expect(created.status).toBe(201);
  return (await api.waitEnd(created.body.id)).status;
}

describe('rotating the key of a running server', () => {
  it('waits for runs holding sealed secrets, then reseals every secret; the old key opens nothing', async () => {
    const admin = client(() => server!.url, adminToken);
    expect((await admin.call('PUT', '/v1/secrets/SERVER_S', { value: SERVER_VALUE })).status).toBe(200);
    expect((await admin.call('PUT', '/v1/secrets/OWN_S', { value: OWN_VALUE, pipeline: 'rot' })).status).toBe(200);
    oldKey = readFileSync(join(data, 'secret.key'), 'utf8').trim();

    const api = client(() => server!.url, runnerToken);
    await register(pipeline('sleep 30'));
    const holding = await api.call('POST', '/v1/pipelines/rot/runs', {});
    expect(holding.status).toBe(201);
    const refused = rotate(adminToken);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('runs in progress hold secrets sealed under the current key');
    await api.call('POST', `/v1/runs/${holding.body.id}/cancel`);
    await api.waitEnd(holding.body.id);

    expect(rotate(runnerToken).out).toContain('this needs the role admin');
    const done = rotate(adminToken);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain('resealed 2 secrets under the new key');
    const newKey = readFileSync(join(data, 'secret.key'), 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(done.out).not.toContain(newKey);

    expect(() => new SecretStore(data, { CARAVAN_SECRET_KEY: oldKey })).toThrow(SecretKeyError);
    const reopened = new SecretStore(data, { CARAVAN_SECRET_KEY: newKey });
    try {
      expect(reopened.valuesFor('rot', ['SERVER_S', 'OWN_S'])).toEqual({ SERVER_S: SERVER_VALUE, OWN_S: OWN_VALUE });
    } finally {
      reopened.close();
    }
    // The running server reads them under the new key, and seals new runs' secrets with it.
    expect(await runChecks()).toBe('success');
  }, 120_000);

  it('a restarted server reads them; one started with the old key stops with a clear error', async () => {
    server!.child.kill('SIGTERM');
    await server!.exited;
    server = undefined;
    await expect(startServer(data, { ...env, CARAVAN_SECRET_KEY: oldKey })).rejects.toThrow(
      /the secret key from CARAVAN_SECRET_KEY does not open the stored secrets/,
    );
    server = await startServer(data, env);
    expect(await runChecks()).toBe('success');
  }, 120_000);

  it('a server whose key comes from CARAVAN_SECRET_KEY refuses to rotate it and says how to rotate offline', async () => {
    const current = readFileSync(join(data, 'secret.key'), 'utf8').trim();
    server!.child.kill('SIGTERM');
    await server!.exited;
    server = await startServer(data, { ...env, CARAVAN_SECRET_KEY: current });
    const refused = rotate(adminToken);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('the key comes from CARAVAN_SECRET_KEY, which a running server cannot change');
    expect(refused.out).not.toContain(current);
    expect(readFileSync(join(data, 'secret.key'), 'utf8').trim()).toBe(current);
    expect(await runChecks()).toBe('success');
  }, 120_000);
});
