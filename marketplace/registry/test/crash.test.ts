/**
 * Real `caravan registry serve` processes: kill -9 during publishes leaves no half version, and two
 * processes sharing one PostgreSQL database accept a contested version exactly once.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../../test/services.js';
import { addUser, grant } from '../src/admin.js';
import { openStore } from '../src/open.js';
import { actionTarball, json, publish, tempDir } from './helpers.js';
import { buildCli, spawnServer } from './processes.js';

const sha512 = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;

async function seed(opts: { dataDir: string; databaseUrl?: string }): Promise<string> {
  const store = await openStore(opts);
  const { token } = await addUser(store, 'alice', false);
  await grant(store, 'alice', 'acme', 'owner');
  await store.close();
  return token;
}

/** Every listed version must have its bytes, matching its integrity; returns how many there are. */
async function checkConsistent(url: string, token: string, name: string): Promise<number> {
  const list = await json(url, token, 'GET', `/v1/actions/${name}/-/versions`);
  if (list.status === 404) return 0;
  const versions = (list.body as { versions: { version: string; integrity: string }[] }).versions;
  for (const v of versions) {
    const res = await fetch(`${url}/v1/actions/${name}/-/versions/${v.version}/tarball`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(sha512(Buffer.from(await res.arrayBuffer()))).toBe(v.integrity);
  }
  const audit = (await json(url, token, 'GET', '/v1/audit?scope=acme&limit=1000')).body as {
    entries: { action: string; target: string }[];
  };
  const published = audit.entries.filter((e) => e.action === 'publish' && e.target.startsWith(`${name}@`));
  expect(published).toHaveLength(versions.length);
  return versions.length;
}

beforeAll(() => {
  buildCli();
});

describe('kill -9 during publish (SQLite)', { timeout: 180_000 }, () => {
  it('leaves every version whole or absent, and sweeps temp files on restart', async () => {
    const dataDir = tempDir();
    const token = await seed({ dataDir });
    let server = await spawnServer(dataDir);
    try {
      const bodies = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          actionTarball('acme/crash', `1.0.${i}`, { salt: 'x'.repeat(20_000) + i }),
        ),
      );
      // A publish whose body never finishes: the server dies while reading it.
      const { request } = await import('node:http');
      const partial = request(`${server.url}/v1/actions/acme/crash/-/versions/9.9.9`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip', 'content-length': '100000' },
      });
      partial.on('error', () => undefined);
      partial.write(Buffer.alloc(1000));
      const attempts = bodies.map((b, i) =>
        publish(server.url, token, 'acme/crash', `1.0.${i}`, b).then(
          (r) => r.status,
          () => 0,
        ),
      );
      // Kill as soon as the first publish lands: the other 99 are in flight at every stage.
      await Promise.race(attempts);
      server.child.kill('SIGKILL');
      const statuses = await Promise.all(attempts);
      await server.stop();
      expect(statuses.some((s) => s !== 201)).toBe(true);

      server = await spawnServer(dataDir);
      const count = await checkConsistent(server.url, token, 'acme/crash');
      expect(count).toBeGreaterThanOrEqual(statuses.filter((s) => s === 201).length);
      expect(readdirSync(join(dataDir, 'blobs', 'tmp'))).toEqual([]);
      expect((await json(server.url, token, 'GET', '/v1/actions/acme/crash/-/versions/9.9.9')).status).toBe(404);
      // The registry still takes the versions that did not make it.
      const missing = statuses.findIndex((s) => s !== 201);
      const retry = await publish(server.url, token, 'acme/crash', `1.0.${missing}`, bodies[missing] as Buffer);
      expect([201, 409]).toContain(retry.status);
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(!hasPostgres)('two registry processes on one PostgreSQL', { timeout: 180_000 }, () => {
  const dbName = `reg_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  let databaseUrl = '';

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(postgresUrl);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it('accepts each contested version once across both processes, and survives kill -9 of one', async () => {
    const env = { CARAVAN_DATABASE_URL: databaseUrl };
    const dirA = tempDir();
    const token = await seed({ dataDir: dirA, databaseUrl });
    // Both processes share the blob folder, as on a shared volume.
    const a = await spawnServer(dirA, env);
    const b = await spawnServer(dirA, env);
    try {
      for (let trial = 0; trial < 5; trial++) {
        const version = `2.0.${trial}`;
        const bodies = await Promise.all(
          Array.from({ length: 10 }, (_, i) => actionTarball('acme/shared', version, { salt: `${trial}/${i}` })),
        );
        const statuses = await Promise.all(
          bodies.map((body, i) =>
            publish((i % 2 ? a : b).url, token, 'acme/shared', version, body).then((r) => r.status),
          ),
        );
        expect(statuses.sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      }
      expect(await checkConsistent(a.url, token, 'acme/shared')).toBe(5);
      const latest = await json(b.url, token, 'GET', '/v1/actions/acme/shared/-/versions');
      expect((latest.body as { distTags: { latest: string } }).distTags.latest).toBe('2.0.4');

      const bodies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => actionTarball('acme/shared', `3.0.${i}`, { salt: 'y'.repeat(20_000) })),
      );
      const attempts = bodies.map((body, i) =>
        publish(a.url, token, 'acme/shared', `3.0.${i}`, body).then(
          (r) => r.status,
          () => 0,
        ),
      );
      await Promise.race(attempts);
      a.child.kill('SIGKILL');
      await Promise.all(attempts);
      await checkConsistent(b.url, token, 'acme/shared');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
