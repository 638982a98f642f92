/** The built-in actions are publishable as they are: `caravan action publish` pushes each to a real registry. */
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bin, caravan, ensureBuilt, root } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

const actionsDir = join(root, 'marketplace/actions');
const builtins = readdirSync(actionsDir).filter((d) => existsSync(join(actionsDir, d, 'action.yml')));
let home: string;
let url = '';
let token = '';
let server: ResultPromise | undefined;

beforeAll(async () => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-builtins-publish-'));
  const added = await caravan(['registry', 'user', 'add', 'root', '--admin'], {
    cwd: home,
    env: { CARAVAN_HOME: home },
  });
  expect(added.exitCode, added.stderr).toBe(0);
  token = added.stdout.trim().split('\n').at(-1) ?? '';
  server = execa(process.execPath, [bin, 'registry', 'serve', '--port', '0'], {
    cwd: home,
    env: { CARAVAN_HOME: home },
    reject: false,
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void server?.then((r) => reject(new Error(`registry exited early: ${String(r.stderr)}`)));
  });
}, 120_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await server;
});

describe('publishing the built-in actions', () => {
  it('publishes every built-in (without its tests) and resolves caravan/<name>@^1 to 1.0.0', async () => {
    const env = { CARAVAN_HOME: home, CARAVAN_REGISTRY: url, CARAVAN_TOKEN: token };
    const results = await Promise.all(
      builtins.map((name) =>
        caravan(['action', 'publish', join(actionsDir, name)], { cwd: home, env }).then((r) => ({ name, r })),
      ),
    );
    for (const { name, r } of results) expect(r.exitCode, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
    const resolved = await caravan(['action', 'resolve', 'caravan/git-checkout@^1', '--json'], { cwd: home, env });
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('"1.0.0"');

    const packed = await caravan(['action', 'pack', join(actionsDir, 'http'), '--out', home], { cwd: home });
    expect(packed.exitCode, packed.stderr).toBe(0);
    const list = await execa('tar', ['-tzf', join(home, 'caravan-http-1.0.0.tgz')]);
    const files = list.stdout.split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'action.yml',
        'index.mjs',
        'README.md',
        'lib/io.mjs',
        'lib/json-path.mjs',
        'lib/conditions.mjs',
      ]),
    );
    expect(files.some((f) => f.includes('test/'))).toBe(false);
  }, 240_000);
});
