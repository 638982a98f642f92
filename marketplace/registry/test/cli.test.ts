/** The admin and lifecycle commands, run as real `node bin/caravan.js …` processes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTarball, json, publish, tempDir } from './helpers.js';
import { buildCli, runCli, spawnServer, type ServerProcess } from './processes.js';

// Each case here starts a real `node bin/caravan.js`, so this file keeps to the invocations that
// prove the commands' wiring; the operations behind them are tested in process (admin.test.ts,
// client/real-registry.test.ts), and the lifecycle commands' errors in cli/test/lifecycle.test.ts.
describe('caravan registry and action lifecycle commands', { timeout: 180_000 }, () => {
  const data = tempDir();
  let server: ServerProcess;
  let aliceToken = '';

  beforeAll(async () => {
    buildCli();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('adds users (token on the last line), grants roles and refuses bad input', async () => {
    const added = runCli(['registry', 'user', 'add', 'alice', '--data', data]);
    expect(added.status).toBe(0);
    const lines = added.stdout.trim().split('\n');
    aliceToken = lines[lines.length - 1] ?? '';
    expect(aliceToken).toMatch(/^cvn_[A-Za-z0-9_-]{40,}$/);
    const again = runCli(['registry', 'user', 'add', 'alice', '--data', data]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
    expect(runCli(['registry', 'grant', 'alice', 'acme', '--role', 'owner', '--data', data]).stdout).toMatch(
      /alice is now owner of acme/,
    );
  });

  it('serves, and the lifecycle commands act through CARAVAN_REGISTRY and CARAVAN_TOKEN', async () => {
    server = await spawnServer(data);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const v of ['1.0.0', '1.1.0'])
      expect((await publish(server.url, aliceToken, 'acme/lint', v, await actionTarball('acme/lint', v))).status).toBe(
        201,
      );
    const env = { CARAVAN_HOME: tempDir(), CARAVAN_REGISTRY: server.url, CARAVAN_TOKEN: aliceToken };
    expect(runCli(['action', 'deprecate', 'acme/lint@1.0.0', '-m', 'use 1.1'], env).status).toBe(0);
    expect(runCli(['action', 'yank', 'acme/lint@1.1.0'], env).status).toBe(0);
    let list = (await json(server.url, aliceToken, 'GET', '/v1/actions/acme/lint/-/versions')).body as {
      distTags: Record<string, string>;
      versions: { version: string; yanked: boolean; deprecated?: string }[];
    };
    expect(list.versions).toMatchObject([
      { version: '1.0.0', deprecated: 'use 1.1', yanked: false },
      { version: '1.1.0', yanked: true },
    ]);
    expect(list.distTags['latest']).toBe('1.0.0');
    expect(runCli(['action', 'unyank', 'acme/lint@1.1.0'], env).status).toBe(0);
    expect(runCli(['action', 'tag', 'acme/lint@1.0.0', 'stable'], env).stdout).toMatch(/stable → 1\.0\.0/);
    expect(runCli(['action', 'delete', 'acme/lint@1.0.0'], env).status).toBe(0);
    list = (await json(server.url, aliceToken, 'GET', '/v1/actions/acme/lint/-/versions')).body as typeof list;
    expect(list.versions.map((v) => v.version)).toEqual(['1.1.0']);
    expect(list.distTags).toEqual({ latest: '1.1.0' });

    const denied = runCli(['action', 'delete', 'acme/lint@1.1.0'], { ...env, CARAVAN_TOKEN: 'cvn_wrong' });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/not known to the registry/);
    expect(denied.stderr).not.toMatch(/cvn_wrong/);
    expect(
      runCli(['action', 'yank', 'acme/lint@1.1.0'], { ...env, CARAVAN_REGISTRY: 'http://127.0.0.1:9' }).stderr,
    ).toMatch(/cannot reach the registry/);
  }, 180_000);

  it('creates and revokes tokens from the command line', async () => {
    const created = runCli([
      'registry',
      'token',
      'create',
      'alice',
      '--scope',
      'acme',
      '--access',
      'read',
      '--data',
      data,
    ]);
    expect(created.status).toBe(0);
    const token = created.stdout.trim().split('\n').pop() ?? '';
    const id = /token (tok_\S+)/.exec(created.stdout)?.[1] ?? '';
    expect((await json(server.url, token, 'GET', '/v1/whoami')).body).toMatchObject({
      user: 'alice',
      access: 'read',
      scopes: ['acme'],
    });
    expect(runCli(['registry', 'token', 'revoke', id, '--data', data]).status).toBe(0);
    expect((await json(server.url, token, 'GET', '/v1/whoami')).status).toBe(401);
  });

  it('collects the tarball of the deleted version while the registry serves, after a dry run', async () => {
    expect(runCli(['registry', 'gc', '--data', data, '--min-age', 'soon']).stderr).toMatch(
      /--min-age soon: not a duration/,
    );
    const young = runCli(['registry', 'gc', '--data', data]);
    expect(young.stdout).toMatch(/^0 tarballs removed \(0 bytes\); 1 in use, 1 unused but younger than 1h$/m);
    const dry = runCli(['registry', 'gc', '--data', data, '--min-age', '0', '--dry-run']);
    expect(dry.stdout).toMatch(/^would remove [0-9a-f]{64} \(\d+ bytes\)\n1 tarball to remove/);
    const real = runCli(['registry', 'gc', '--data', data, '--min-age', '0']);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/^removed [0-9a-f]{64} \(\d+ bytes\)\n1 tarball removed/);
    expect(runCli(['registry', 'gc', '--data', data, '--min-age', '0']).stdout).toMatch(
      /^0 tarballs removed \(0 bytes\); 1 in use, 0 unused/,
    );
    const live = await fetch(`${server.url}/v1/actions/acme/lint/-/versions/1.1.0/tarball`, {
      headers: { authorization: `Bearer ${aliceToken}` },
    });
    expect(live.status).toBe(200);
  });
});
