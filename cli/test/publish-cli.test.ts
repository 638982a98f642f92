/**
 * End to end through `node bin/caravan.js`: a real registry process (SQLite in a temp folder),
 * `registry user add` → `login` → `action publish` → `action resolve`.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/caravan.js');
let home: string;
let data: string;
let url: string;
let token: string;
let server: ResultPromise | undefined;

function caravan(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}) {
  return execa('node', [bin, ...args], {
    reject: false,
    cwd: opts.cwd ?? home,
    env: { CARAVAN_HOME: home, CARAVAN_REGISTRY: '', CARAVAN_TOKEN: '', CI: '1', NO_COLOR: '1', ...opts.env },
    extendEnv: true,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    timeout: 60_000,
  });
}

async function actionDir(name: string, version: string, yml?: string): Promise<string> {
  const dir = await mkdtemp(join(home, 'action-'));
  await writeFile(
    join(dir, 'action.yml'),
    yml ?? `name: ${name}\nversion: ${version}\ndescription: lints things\nruns:\n  command: ./run.sh\n`,
  );
  await writeFile(join(dir, 'run.sh'), 'echo hi\n', { mode: 0o755 });
  await mkdir(join(dir, 'node_modules/dep'), { recursive: true });
  await writeFile(join(dir, 'node_modules/dep/index.js'), 'skipped');
  return dir;
}

/**
 * `npm test` builds before vitest; rebuild here only when the bundle is missing or older than the
 * commands under test, since rebuilding dist/cli while other test files run the CLI can race.
 */
async function ensureBuilt(): Promise<void> {
  const bundle = await stat(join(root, '.oclif.manifest.json')).catch(() => undefined);
  const sources = [
    ...['login.ts', 'action/pack.ts', 'action/publish.ts', 'action/resolve.ts'].map((f) =>
      join(root, 'cli/src/commands', f),
    ),
    join(root, 'cli/src/lib/registry-config.ts'),
    ...(await readdir(join(root, 'marketplace/registry/src/client'))).map((f) =>
      join(root, 'marketplace/registry/src/client', f),
    ),
    ...(await readdir(join(root, 'marketplace/registry/src/tarball'))).map((f) =>
      join(root, 'marketplace/registry/src/tarball', f),
    ),
  ];
  const newest = Math.max(...(await Promise.all(sources.map(async (f) => (await stat(f)).mtimeMs))));
  if (!bundle || bundle.mtimeMs < newest)
    execFileSync('node', [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
}

beforeAll(async () => {
  await ensureBuilt();
  home = await mkdtemp(join(tmpdir(), 'caravan-cli-publish-'));
  data = join(home, 'registry');
  const added = await caravan(['registry', 'user', 'add', 'bob', '--data', data]);
  expect(added.exitCode, added.stderr).toBe(0);
  token = String(added.stdout).trim().split('\n').at(-1) ?? '';
  expect(token.length).toBeGreaterThan(20);
  server = execa('node', [bin, 'registry', 'serve', '--data', data, '--port', '0'], {
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
  if (home) await rm(home, { recursive: true, force: true });
});

// Each CLI start costs about a second of CPU, so the cases share invocations and run side by side.
describe('caravan action publish / resolve / pack / login', () => {
  it('publishes with CARAVAN_REGISTRY and CARAVAN_TOKEN, resolves it, packs the same bytes, and refuses a republish', async () => {
    const dir = await actionDir('~bob/lint', '1.2.0');
    const env = { CARAVAN_REGISTRY: url, CARAVAN_TOKEN: token };
    const published = await caravan(['action', 'publish', dir], { env });
    expect(published.exitCode, String(published.stderr)).toBe(0);
    const m = /^published ~bob\/lint@1\.2\.0 (sha512-\S+)$/.exec(String(published.stdout).trim());
    expect(m).not.toBeNull();
    const integrity = m?.[1] ?? '';

    const [resolved, packed, again] = await Promise.all([
      caravan(['action', 'resolve', '~bob/lint@^1'], { env }),
      caravan(['action', 'pack', dir, '--out', home]),
      caravan(['action', 'publish', dir], { env }),
    ]);
    expect(resolved.exitCode, String(resolved.stderr)).toBe(0);
    expect(String(resolved.stdout).trim()).toBe(`~bob/lint@1.2.0 ${integrity}`);

    expect(packed.exitCode, String(packed.stderr)).toBe(0);
    expect(String(packed.stdout)).toContain(join(home, 'bob-lint-1.2.0.tgz'));
    expect(String(packed.stdout)).toContain(integrity);
    expect((await readFile(join(home, 'bob-lint-1.2.0.tgz'))).length).toBeGreaterThan(0);

    expect(again.exitCode).toBe(1);
    expect(String(again.stderr)).toMatch(/already exists/);
    expect(String(again.stderr)).toMatch(/409/);

    for (const r of [published, resolved, packed, again])
      expect(`${String(r.stdout)}${String(r.stderr)}`).not.toContain(token);
  });

  it('refuses a scope without a role (403), an invalid action.yml (with its line), and a bad token at login', async () => {
    const env = { CARAVAN_REGISTRY: url, CARAVAN_TOKEN: token };
    const badHome = await mkdtemp(join(home, 'bad-login-'));
    const invalid = await actionDir(
      '~bob/bad',
      '1.0.0',
      'name: ~bob/bad\nversion: 1.0.0\ndescription: x\nrunz:\n  command: x\n',
    );
    const [denied, rejected, badLogin] = await Promise.all([
      caravan(['action', 'publish', await actionDir('acme/lint', '1.0.0')], { env }),
      caravan(['action', 'publish', invalid], { env }),
      caravan(['login', '--registry', url], { input: 'cvn_not-a-real-token\n', env: { CARAVAN_HOME: badHome } }),
    ]);
    // exit 3: the registry refused the credentials; 2: the input is malformed (docs/cli.md)
    expect(denied.exitCode).toBe(3);
    expect(String(denied.stderr)).toMatch(/HTTP 403/);

    expect(rejected.exitCode).toBe(2);
    expect(String(rejected.stderr)).toMatch(/action\.yml:\d+:\d+/);

    expect(badLogin.exitCode).toBe(3);
    expect(String(badLogin.stderr)).toMatch(/refused the token.*nothing was stored/s);
    expect(String(badLogin.stderr)).not.toContain('cvn_not-a-real-token');
    await expect(stat(join(badHome, 'credentials.json'))).rejects.toThrow();
  });

  it('logs in from stdin, stores the token with mode 0600, and later commands use it', async () => {
    const good = await caravan(['login', '--registry', url], { input: `${token}\n` });
    expect(good.exitCode, String(good.stderr)).toBe(0);
    expect(String(good.stdout)).toMatch(/logged in to .* as bob/);
    expect(String(good.stdout)).not.toContain(token);
    expect((await stat(join(home, 'credentials.json'))).mode & 0o777).toBe(0o600);

    const published = await caravan(['action', 'publish', await actionDir('~bob/tool', '1.3.0')]);
    expect(published.exitCode, String(published.stderr)).toBe(0);
    const resolved = await caravan(['action', 'resolve', '~bob/tool']);
    expect(String(resolved.stdout)).toMatch(/^~bob\/tool@1\.3\.0 sha512-/);
  });
});
