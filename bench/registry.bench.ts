/**
 * Registry read and publish throughput over loopback with autocannon at 50 connections, beside a
 * static JSON response served by plain `node:http` in the same run. Both servers run as child
 * processes (the registry as `caravan registry serve`, SQLite), the load generator in this one.
 * Goal from issue 4: reads at least 3x Verdaccio's ~3,500 req/s on this machine class.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { pack } from 'tar-stream';
import { addUser, grant } from '@caravan/registry';
import { openStore } from '@caravan/registry';
import pg from 'pg';
import { hasPostgres, postgresUrl } from '../test/services.js';
import type { Bench, BenchRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONNECTIONS = 50;
const SECONDS = 4;
/** Each read figure is the best of ROUNDS interleaved runs: the machines are shared and noisy. */
const ROUNDS = 3;
const VERDACCIO = 3500;
const GOAL = 3 * VERDACCIO;

const STATIC_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ name: 'acme/lint', version: '1.2.0', integrity: 'sha512-' + 'A'.repeat(86) + '==', tarball: '/v1/actions/acme/lint/-/versions/1.2.0/tarball', warnings: [] });
const server = http.createServer((req, res) => {
  if (req.method === 'PUT') { req.resume(); req.on('end', () => { res.writeHead(201, { 'content-type': 'application/json' }); res.end('{}'); }); return; }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

function startChild(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ url: m[1], child });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

async function tarball(name: string, version: string): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  p.entry(
    { name: 'action.yml', mtime: new Date(0) },
    `name: ${name}\nversion: ${version}\ndescription: bench\nruns:\n  command: echo\n`,
  );
  p.entry({ name: 'README.md', mtime: new Date(0) }, `# ${name}\n${'lorem ipsum '.repeat(200)}`);
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

async function load(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.average;
}

/** Publishes distinct versions from `workers` concurrent clients for SECONDS; returns versions/s. */
async function publishRate(
  base: string,
  token: string | undefined,
  workers: number,
  bodies: Buffer[],
  name: string,
  versions: string[],
): Promise<number> {
  let next = 0;
  let done = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < deadline && next < bodies.length) {
        const i = next++;
        const res = await fetch(`${base}/v1/actions/${name}/-/versions/${versions[i]}`, {
          method: 'PUT',
          body: bodies[i],
          headers: { 'content-type': 'application/gzip', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`publish ${versions[i]}: HTTP ${res.status}`);
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

/** The same reads and publishes against `caravan registry serve` on a fresh PostgreSQL database. */
async function postgresFigures(staticRps: number, staticPutPerSec: number): Promise<BenchRow[]> {
  const dbName = `caravan_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const data = mkdtempSync(join(tmpdir(), 'caravan-reg-bench-pg-'));
  let registry: { url: string; child: ChildProcess } | undefined;
  try {
    const store = await openStore({ dataDir: data, databaseUrl });
    const { token } = await addUser(store, 'bench', false);
    await grant(store, 'bench', 'acme', 'owner');
    await store.close();
    registry = await startChild([join(root, 'bin/caravan.js'), 'registry', 'serve', '--data', data, '--port', '0'], {
      CARAVAN_DATABASE_URL: databaseUrl,
    });
    const versions = Array.from({ length: 10 }, (_, i) => `1.${i}.0`);
    await publishRate(
      registry.url,
      token,
      1,
      await Promise.all(versions.map((v) => tarball('acme/lint', v))),
      'acme/lint',
      versions,
    );
    let resolveRps = 0;
    for (let round = 0; round < ROUNDS; round++) {
      resolveRps = Math.max(
        resolveRps,
        await load(`${registry.url}/v1/actions/acme/lint/-/resolve?range=%5E1`, { authorization: `Bearer ${token}` }),
      );
    }
    const pubVersions = Array.from({ length: 4000 }, (_, i) => `2.0.${i}`);
    const publishPerSec = await publishRate(
      registry.url,
      token,
      10,
      await Promise.all(pubVersions.map((v) => tarball('acme/pub', v))),
      'acme/pub',
      pubVersions,
    );
    return [
      {
        name: 'resolve ^1 (PostgreSQL)',
        value: resolveRps,
        unit: 'req/s',
        baseline: staticRps,
        baselineName: 'node:http static',
        goal: `>= ${GOAL} req/s (3x Verdaccio)`,
        met: resolveRps >= GOAL,
      },
      {
        name: 'publish (10 clients, PostgreSQL)',
        value: publishPerSec,
        unit: 'versions/s',
        baseline: staticPutPerSec,
        baselineName: 'node:http static',
        goal: 'reported (no target)',
        met: publishPerSec > 0,
      },
    ];
  } finally {
    registry?.child.kill('SIGTERM');
    if (registry) await new Promise((r) => registry?.child.once('exit', r));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(data, { recursive: true, force: true });
  }
}

const bench: Bench = {
  title: `registry: reads and publishes over loopback (autocannon -c ${CONNECTIONS} -d ${SECONDS}, best of ${ROUNDS}; SQLite)`,
  async run(): Promise<BenchRow[]> {
    const data = mkdtempSync(join(tmpdir(), 'caravan-reg-bench-'));
    const store = await openStore({ dataDir: data });
    const { token } = await addUser(store, 'bench', false);
    await grant(store, 'bench', 'acme', 'owner');
    await store.close();
    const baseline = await startChild(['-e', STATIC_SERVER]);
    const registry = await startChild([
      join(root, 'bin/caravan.js'),
      'registry',
      'serve',
      '--data',
      data,
      '--port',
      '0',
    ]);
    try {
      const auth = { authorization: `Bearer ${token}` };
      const seedVersions = Array.from({ length: 10 }, (_, i) => `1.${i}.0`);
      const seedBodies = await Promise.all(seedVersions.map((v) => tarball('acme/lint', v)));
      await publishRate(registry.url, token, 1, seedBodies, 'acme/lint', seedVersions);

      let staticRps = 0;
      let resolveRps = 0;
      let listRps = 0;
      for (let round = 0; round < ROUNDS; round++) {
        staticRps = Math.max(staticRps, await load(baseline.url, {}));
        resolveRps = Math.max(
          resolveRps,
          await load(`${registry.url}/v1/actions/acme/lint/-/resolve?range=%5E1`, auth),
        );
        listRps = Math.max(listRps, await load(`${registry.url}/v1/actions/acme/lint/-/versions`, auth));
      }

      const pubVersions = Array.from({ length: 20_000 }, (_, i) => `2.0.${i}`);
      const pubBodies = await Promise.all(pubVersions.slice(0, 4000).map((v) => tarball('acme/pub', v)));
      const publishPerSec = await publishRate(registry.url, token, 10, pubBodies, 'acme/pub', pubVersions);
      const staticPutPerSec = await publishRate(baseline.url, undefined, 10, pubBodies, 'acme/pub', pubVersions);

      const row = (name: string, value: number, unit: string, base: number, goal: string, met: boolean): BenchRow => ({
        name,
        value,
        unit,
        baseline: base,
        baselineName: 'node:http static',
        goal,
        met,
      });
      return [
        row(
          'resolve ^1 (10 versions, token auth)',
          resolveRps,
          'req/s',
          staticRps,
          `>= ${GOAL} req/s (3x Verdaccio)`,
          resolveRps >= GOAL,
        ),
        row(
          'version list (10 versions, token auth)',
          listRps,
          'req/s',
          staticRps,
          `>= ${GOAL} req/s (3x Verdaccio)`,
          listRps >= GOAL,
        ),
        row(
          'publish (10 clients, fsync, SQLite)',
          publishPerSec,
          'versions/s',
          staticPutPerSec,
          'reported (no target)',
          publishPerSec > 0,
        ),
        ...(hasPostgres ? await postgresFigures(staticRps, staticPutPerSec) : []),
      ];
    } finally {
      baseline.child.kill('SIGTERM');
      registry.child.kill('SIGTERM');
      rmSync(data, { recursive: true, force: true });
    }
  },
};

export default bench;
