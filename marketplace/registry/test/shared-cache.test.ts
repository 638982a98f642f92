/**
 * Two registries on one database (a second PostgreSQL process, or another connection to the same
 * SQLite file): a write answered by one is seen by the other on the very next request. No
 * polling: each check runs right after the write's answer, many times over, so a cache that can
 * lag (as a NOTIFY-driven one did) fails here.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../../test/services.js';
import { addUser, createTokenFor, grant } from '../src/admin.js';
import { openStore } from '../src/open.js';
import { startRegistry } from '../src/serve.js';
import { actionTarball, cleanup, json, publish, storeFactories, tempDir } from './helpers.js';
import { buildCli, spawnServer } from './processes.js';

const ROUNDS = 40;

interface Host {
  url: string;
  close(): Promise<void>;
}

interface Setup {
  name: string;
  available: boolean;
  /** Opens the shared database and starts two registries on it. */
  start(): Promise<{
    opts: { dataDir: string; databaseUrl?: string; schema?: string };
    a: Host;
    b: Host;
    done(): Promise<void>;
  }>;
}

const inProcess: Setup[] = storeFactories.map((factory) => ({
  name: `${factory.kind}, two registries in one process`,
  available: factory.available,
  async start() {
    const opts = factory.options(tempDir());
    const a = await startRegistry({ ...opts, port: 0 });
    const b = await startRegistry({ ...opts, port: 0 });
    return { opts, a, b, done: () => cleanup(opts) };
  },
}));

/** Two `caravan registry serve` processes on their own PostgreSQL database. */
const twoProcesses: Setup = {
  name: 'postgres, two registry processes',
  available: hasPostgres,
  async start() {
    buildCli();
    const db = `reg_procs_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    const u = new URL(postgresUrl);
    u.pathname = `/${db}`;
    const opts = { dataDir: tempDir(), databaseUrl: u.toString() };
    await (await openStore(opts)).close();
    const env = { CARAVAN_DATABASE_URL: opts.databaseUrl };
    const [a, b] = await Promise.all([spawnServer(opts.dataDir, env), spawnServer(opts.dataDir, env)]);
    const host = (s: typeof a): Host => ({ url: s.url, close: () => s.stop() });
    return {
      opts,
      a: host(a),
      b: host(b),
      async done() {
        await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await admin.end();
        await cleanup({ dataDir: opts.dataDir });
      },
    };
  },
};

describe.each([...inProcess, twoProcesses])('caches across registries sharing one database ($name)', (setup) => {
  describe.skipIf(!setup.available)('', () => {
    let opts: Awaited<ReturnType<Setup['start']>>['opts'];
    let a: Host;
    let b: Host;
    let done: () => Promise<void> = async () => undefined;
    let token = '';

    beforeAll(async () => {
      ({ opts, a, b, done } = await setup.start());
      const store = await openStore(opts);
      ({ token } = await addUser(store, 'alice', true));
      await grant(store, 'alice', 'acme', 'owner');
      await store.close();
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await done();
    });

    const resolve = (on: Host, range: string) =>
      json(on.url, token, 'GET', `/v1/actions/acme/lint/-/resolve?range=${encodeURIComponent(range)}`);

    it('a version published on one is resolved on the other at once; a deleted one is gone at once', async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const version = `1.${i}.0`;
        expect((await resolve(a, '^1')).status).toBe(i === 0 ? 404 : 200);
        expect(
          (await publish(b.url, token, 'acme/lint', version, await actionTarball('acme/lint', version))).status,
        ).toBe(201);
        const seen = await resolve(a, '^1');
        expect({ round: i, version: (seen.body as { version?: string }).version }).toEqual({ round: i, version });

        expect((await json(a.url, token, 'GET', `/v1/actions/acme/lint/-/versions/${version}`)).status).toBe(200);
      }
      for (let i = ROUNDS - 1; i > 0; i--) {
        const version = `1.${i}.0`;
        expect((await resolve(a, version)).status).toBe(200);
        expect((await json(b.url, token, 'DELETE', `/v1/actions/acme/lint/-/versions/${version}`)).status).toBe(204);
        const gone = await resolve(a, version);
        expect({ round: i, status: gone.status }).toEqual({ round: i, status: 404 });
        expect(((await resolve(a, '^1')).body as { version?: string }).version).toBe(`1.${i - 1}.0`);
      }
    });

    it('a token revoked on one is refused by the other on the very next request', async () => {
      const store = await openStore(opts);
      try {
        for (let i = 0; i < ROUNDS; i++) {
          const { token: t, id } = await createTokenFor(store, 'alice', ['*'], 'read');
          expect((await json(a.url, t, 'GET', '/v1/whoami')).status).toBe(200);
          expect((await json(b.url, token, 'DELETE', `/v1/tokens/${id}`)).status).toBe(204);
          const after = await json(a.url, t, 'GET', '/v1/whoami');
          expect({ round: i, status: after.status }).toEqual({ round: i, status: 401 });
        }
      } finally {
        await store.close();
      }
    });

    it('a yank on one changes what the other resolves at once', async () => {
      expect(
        (await publish(b.url, token, 'acme/lint', '2.0.0', await actionTarball('acme/lint', '2.0.0'))).status,
      ).toBe(201);
      for (let i = 0; i < ROUNDS / 4; i++) {
        const yank = i % 2 === 0;
        expect(
          (await json(b.url, token, 'POST', `/v1/actions/acme/lint/-/versions/2.0.0/${yank ? 'yank' : 'unyank'}`))
            .status,
        ).toBe(204);
        const r = await resolve(a, '>=1');
        expect({ round: i, version: (r.body as { version?: string }).version }).toEqual({
          round: i,
          version: yank ? '1.0.0' : '2.0.0',
        });
      }
    });
  });
});
