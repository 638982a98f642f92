/**
 * `caravan action deprecate|yank|unyank|tag|delete` against a real registry (in this process, SQLite),
 * through the registry client: names in every scope shape, refs that would walk to another route
 * if sent unencoded, the registry's refusals, and registries that drop or ignore connections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionTarball,
  json,
  publish,
  startTestRegistry,
  storeFactories,
  type TestRegistry,
} from '../../marketplace/registry/test/helpers.js';
import { caravan, ensureBuilt } from './author-helpers.js';

let registry: TestRegistry;
let home: string;

function env(user: string, extra: Record<string, string> = {}): Record<string, string> {
  return { CARAVAN_HOME: home, CARAVAN_REGISTRY: registry.url, CARAVAN_TOKEN: registry.tokens[user] ?? '', ...extra };
}

function cli(args: string[], user = 'alice', extra: Record<string, string> = {}) {
  return caravan(['action', ...args], { cwd: home, env: env(user, extra) });
}

interface VersionList {
  distTags: Record<string, string>;
  versions: { version: string; yanked: boolean; deprecated?: string }[];
}

async function versions(name: string): Promise<VersionList> {
  const res = await json(registry.url, registry.tokens['alice'], 'GET', `/v1/actions/${name}/-/versions`);
  expect(res.status).toBe(200);
  return res.body as VersionList;
}

/** A TCP server on 127.0.0.1 that does `onConnection` with every connection; closed at the end. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

beforeAll(async () => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-lifecycle-'));
  registry = await startTestRegistry(storeFactories[0]!);
  const published: Array<[string, string, string]> = [
    ['alice', '~alice/tool', '1.0.0'],
    ['alice', '~alice/tool', '1.1.0'],
    ['alice', 'acme/payments/deploy', '1.0.0'],
    ['alice', 'acme/payments/deploy', '2.0.0-rc.1'],
  ];
  for (const [user, name, version] of published) {
    const res = await publish(registry.url, registry.tokens[user], name, version, await actionTarball(name, version));
    expect(res.status, `${name}@${version}: ${await res.text()}`).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('the lifecycle commands against a real registry', { timeout: 180_000 }, () => {
  it('deprecate, yank, unyank, tag and delete a personal and a project action, prerelease included', async () => {
    const steps: Array<[string[], RegExp]> = [
      [['deprecate', '~alice/tool@1.0.0', '-m', 'use 1.1'], /^~alice\/tool@1\.0\.0 deprecated$/],
      [['yank', '~alice/tool@1.1.0'], /^~alice\/tool@1\.1\.0 yanked$/],
      [['unyank', '~alice/tool@1.1.0'], /^~alice\/tool@1\.1\.0 unyanked$/],
      [['tag', 'acme/payments/deploy@2.0.0-rc.1', 'next'], /^acme\/payments\/deploy@next → 2\.0\.0-rc\.1$/],
      [['yank', 'acme/payments/deploy@2.0.0-rc.1'], /yanked$/],
      [['delete', '~alice/tool@1.0.0'], /^~alice\/tool@1\.0\.0 deleted \(tombstone kept\)$/],
    ];
    for (const [args, out] of steps) {
      const r = await cli(args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout.trim()).toMatch(out);
    }
    const tool = await versions('~alice/tool');
    expect(tool.versions).toMatchObject([{ version: '1.1.0', yanked: false }]);
    const deploy = await versions('acme/payments/deploy');
    expect(deploy.distTags['next']).toBe('2.0.0-rc.1');
    expect(deploy.versions.find((v) => v.version === '2.0.0-rc.1')?.yanked).toBe(true);
  });

  it('refuses refs that are not NAME@VERSION before sending anything, and encodes what it sends', async () => {
    const before = await versions('acme/payments/deploy');
    const whoami = (await json(registry.url, registry.tokens['alice'], 'GET', '/v1/whoami')).status;
    // Unencoded, these would have reached DELETE /v1/tokens/… and a version URL with a query.
    const hostile = await Promise.all([
      cli(['delete', 'acme/payments/deploy@1.0.0/../../../../../../../tokens/tok_x']),
      cli(['yank', 'acme/payments/deploy@1.0.0?force=1']),
      cli(['delete', 'Acme/Deploy@1.0.0']),
    ]);
    for (const r of hostile) {
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: .*(does not name one exact version|is not allowed)/m);
    }
    expect(await versions('acme/payments/deploy')).toEqual(before);
    expect((await json(registry.url, registry.tokens['alice'], 'GET', '/v1/whoami')).status).toBe(whoami);

    // a tag with a space reaches the dist-tags route, encoded, and the registry says what is wrong with it
    const tag = await cli(['tag', 'acme/payments/deploy@1.0.0', 'be ta']);
    expect(tag.exitCode, tag.stderr).toBe(2);
    expect(tag.stderr).toMatch(/^error: .*\(HTTP 400 invalid-tag\)$/m);
    expect((await versions('acme/payments/deploy')).distTags).toEqual(before.distTags);
  });

  it('gives the registry refusals their exit codes: 2 unknown, 3 not allowed, 1 a conflict', async () => {
    const [unknown, notOwner, badToken, conflict] = await Promise.all([
      cli(['yank', 'acme/payments/deploy@9.9.9']),
      cli(['delete', 'acme/payments/deploy@1.0.0'], 'bob'), // a publisher, not an owner
      cli(['yank', 'acme/payments/deploy@1.0.0'], 'alice', { CARAVAN_TOKEN: 'cvn_not-a-real-token-at-all' }),
      cli(['tag', 'acme/payments/deploy@2.0.0-rc.1', 'latest']), // it is yanked
    ]);
    expect([unknown.exitCode, notOwner.exitCode, badToken.exitCode, conflict.exitCode]).toEqual([2, 3, 3, 1]);
    expect(unknown.stderr).toMatch(/^error: .*HTTP 404/m);
    expect(notOwner.stderr).toMatch(/^error: .*HTTP 403/m);
    expect(badToken.stderr).toMatch(/^error: .*HTTP 401/m);
    expect(badToken.stderr).not.toContain('cvn_not-a-real-token-at-all');
    expect(conflict.stderr).toMatch(
      /^error: .*is yanked and cannot be latest \(HTTP 409 yanked\)\nhint: unyank it first$/m,
    );
    for (const r of [unknown, notOwner, badToken, conflict]) expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('fails with exit 3 on a registry that drops connections, and one that never answers (bounded)', async () => {
    const dropping = await tcpServer((socket) => socket.destroy());
    const silent = await tcpServer(() => undefined);
    try {
      const [dropped, timedOut] = await Promise.all([
        cli(['yank', '~alice/tool@1.1.0'], 'alice', { CARAVAN_REGISTRY: dropping.url }),
        cli(['unyank', '~alice/tool@1.1.0'], 'alice', { CARAVAN_REGISTRY: silent.url, CARAVAN_REGISTRY_TIMEOUT: '1' }),
      ]);
      expect(dropped.exitCode, dropped.stderr).toBe(3);
      expect(dropped.stderr).toMatch(new RegExp(`^error: cannot reach the registry at ${dropping.url} `, 'm'));
      expect(timedOut.exitCode, timedOut.stderr).toBe(3);
      expect(timedOut.stderr).toMatch(
        /^error: the registry at .* did not answer POST \/v1\/actions\/~alice\/tool\/-\/versions\/1\.1\.0\/unyank within 1 s/m,
      );
      expect(timedOut.timedOut).toBe(false);
    } finally {
      dropping.server.close();
      silent.server.close();
    }
  });
});
