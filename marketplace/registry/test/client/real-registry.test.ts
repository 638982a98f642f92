/** The client against the real registry server (SQLite in a temp folder): the agreed API end to end. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, grant, startRegistry, type RunningRegistry } from '../../src/index.js';
import { RegistryClient, RegistryError } from '../../src/client/index.js';
import { packageWith } from '../tarball/build-tarball.js';

let home: string;
let registry: RunningRegistry;
let client: RegistryClient;

async function actionDir(version: string): Promise<string> {
  const dir = join(home, `src-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'action.yml'),
    `name: acme/lint\nversion: ${version}\ndescription: lints\nruns:\n  command: ./run.sh\n`,
  );
  await writeFile(join(dir, 'run.sh'), `echo ${version}\n`, { mode: 0o755 });
  await writeFile(join(dir, 'README.md'), '# lint\n');
  return dir;
}

const failure = (p: Promise<unknown>): Promise<RegistryError> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(RegistryError);
      return e as RegistryError;
    },
  );

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'caravan-client-real-'));
  registry = await startRegistry({ dataDir: join(home, 'data'), port: 0 });
  const { token } = await addUser(registry.store, 'bob', false);
  await grant(registry.store, 'bob', 'acme', 'owner');
  client = new RegistryClient({ url: registry.url, token, cacheDir: join(home, 'cache') });
});

afterAll(async () => {
  await client?.close();
  await registry?.close();
  await rm(home, { recursive: true, force: true });
});

describe('RegistryClient against the registry server', () => {
  it('publishes, resolves, downloads, caches, and reads versions and details', async () => {
    const one = await client.publish(await actionDir('1.0.0'));
    const two = await client.publish(await actionDir('1.1.0'));
    expect(one).toMatchObject({ name: 'acme/lint', version: '1.0.0' });
    expect(await client.whoami()).toMatchObject({ user: 'bob' });

    const resolved = await client.resolve('acme/lint', '^1');
    expect(resolved).toMatchObject({ name: 'acme/lint', version: '1.1.0', integrity: two.integrity });
    const fetched = await client.fetchAction('acme/lint', '~1.0');
    expect(fetched).toMatchObject({ version: '1.0.0', integrity: one.integrity });
    expect(await readFile(join(fetched.dir, 'run.sh'), 'utf8')).toBe('echo 1.0.0\n');
    expect((await client.fetchAction('acme/lint', one.integrity)).dir).toBe(fetched.dir);

    const list = await client.versions('acme/lint');
    expect(list.distTags.latest).toBe('1.1.0');
    expect(list.versions.map((v) => v.version).sort()).toEqual(['1.0.0', '1.1.0']);
    const detail = await client.version('acme/lint', '1.0.0');
    expect(detail).toMatchObject({ integrity: one.integrity, readme: '# lint\n' });
    expect(detail.spec).toMatchObject({ name: 'acme/lint', version: '1.0.0' });
  });

  it('carries deprecation warnings, honours yank, tags and deletes with tombstones', async () => {
    await client.deprecate('acme/lint', '1.0.0', 'use 1.1');
    expect((await client.resolve('acme/lint', '1.0.0')).warnings.join()).toMatch(/deprecated: use 1\.1/);
    await client.yank('acme/lint', '1.1.0');
    expect((await client.resolve('acme/lint', '^1')).version).toBe('1.0.0');
    await client.unyank('acme/lint', '1.1.0');
    await client.tag('acme/lint', 'stable', '1.0.0');
    expect((await client.resolve('acme/lint', 'stable')).version).toBe('1.0.0');
    await client.delete('acme/lint', '1.1.0');
    const again = await failure(client.publish(await actionDir('1.1.0')));
    expect(again.status).toBe(409);
  });

  it('gets a clear 4xx for a hostile package and for a version that differs from action.yml', async () => {
    const hostile = await failure(
      client.publishTarball(await packageWith({ header: { name: '../evil' }, body: 'x' }), 'acme/lint', '2.0.0'),
    );
    expect(hostile.status).toBeGreaterThanOrEqual(400);
    expect(hostile.status).toBeLessThan(500);
    expect(hostile.message).toMatch(/\.\./);
    const mismatch = await failure(client.publishTarball(await packageWith(), 'acme/lint', '3.0.0'));
    expect(mismatch.status).toBeGreaterThanOrEqual(400);
    expect(mismatch.status).toBeLessThan(500);
    expect((await client.versions('acme/lint')).versions.map((v) => v.version)).not.toContain('2.0.0');
  });
});
