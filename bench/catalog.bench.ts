/**
 * Catalog search over 1,000 actions and 10,000 versions, as `caravan registry serve` answers
 * `/v1/search`: p95 of sequential requests (one connection, so the figure is the server's time
 * plus loopback, not queueing), beside the JSON API's own resolve measured the same way in the
 * same run. SQLite, and PostgreSQL when it is available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { request } from 'undici';
import { addUser, grant, openStore, type RegistryStore } from '@caravan/registry';
import { hasPostgres, postgresUrl } from '../test/services.js';
import type { Bench, BenchRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ACTIONS = 1000;
const VERSIONS = 10;
const SAMPLES = 400;
const GOAL_MS = 20;
const WORDS = [
  'deploy',
  'build',
  'test',
  'lint',
  'cache',
  'docker',
  'helm',
  'notify',
  'scan',
  'release',
  'git',
  'node',
];
const QUERIES = [
  'q=deploy',
  'q=git+check',
  'q=he',
  'q=docker+cache+release',
  'category=build',
  'q=lint&scope=org3',
  '',
];

function word(i: number): string {
  return WORDS[i % WORDS.length] ?? 'x';
}

function action(a: number): { name: string; scope: string } {
  const org = `org${a % 20}`;
  const scope = a % 3 === 0 ? `${org}/proj${a % 7}` : org;
  return { name: `${scope}/${word(a)}-${word(a * 7 + 3)}-${a}`, scope };
}

/** For profiling outside the bench. */
export const seedForProfile = (store: RegistryStore) => seed(store);

/** 1,000 actions in 20 orgs (every third in a project), 10 versions each, half the orgs public. */
async function seed(store: RegistryStore): Promise<string> {
  const { token } = await addUser(store, 'bench', false);
  for (let o = 0; o < 20; o++) await grant(store, o % 2 ? 'bench' : '*', `org${o}`, 'reader');
  const at = new Date().toISOString();
  for (let a = 0; a < ACTIONS; a++) {
    const { name, scope } = action(a);
    for (let v = 0; v < VERSIONS; v++) {
      const audit = { at, user: 'bench', tokenId: 'seed', action: 'publish', target: name, scope, detail: '' };
      await store.publish(
        {
          name,
          version: `1.${v}.0`,
          integrity: `sha512-${a}-${v}`,
          sha256: 'a'.repeat(64),
          size: 1,
          spec: JSON.stringify({ inputs: { [`${word(a + 1)}_mode`]: { type: 'string' }, token: { type: 'string' } } }),
          readme: `# ${name}\n\n${Array.from({ length: 300 }, (_, i) => word(a + i)).join(' ')}`,
          description: `${word(a + 2)} and ${word(a + 5)} for ${word(a)} pipelines`,
          category: word(a % 5),
          scope,
          publishedAt: at,
          publisher: 'bench',
          tokenId: 'seed',
          yanked: false,
        },
        audit,
      );
    }
  }
  return token;
}

function serve(data: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/caravan.js'), 'registry', 'serve', '--data', data, '--port', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ url: m[1], child });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${out}`)));
  });
}

/** p95 in ms of SAMPLES sequential GETs cycling through `paths`. */
async function p95(base: string, paths: string[], token: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES + 20; i++) {
    const start = process.hrtime.bigint();
    const res = await request(`${base}${paths[i % paths.length]}`, { headers: { authorization: `Bearer ${token}` } });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${paths[i % paths.length]}: HTTP ${res.statusCode}`);
    if (i >= 20) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length * 0.95)] ?? 0;
}

async function figures(kind: string, opts: { dataDir: string; databaseUrl?: string }): Promise<BenchRow[]> {
  const store = await openStore(opts);
  const token = await seed(store);
  await store.close();
  const registry = await serve(opts.dataDir, opts.databaseUrl ? { CARAVAN_DATABASE_URL: opts.databaseUrl } : {});
  try {
    const resolve = await p95(registry.url, [`/v1/actions/${action(1).name}/-/resolve?range=%5E1`], token);
    const search = await p95(
      registry.url,
      QUERIES.map((q) => `/v1/search?${q}`),
      token,
    );
    return [
      {
        name: `search p95, ${ACTIONS} actions/${ACTIONS * VERSIONS} versions (${kind})`,
        value: search,
        unit: 'ms',
        baseline: resolve,
        baselineName: 'resolve p95',
        goal: `<= ${GOAL_MS} ms`,
        met: search <= GOAL_MS,
      },
    ];
  } finally {
    registry.child.kill('SIGTERM');
    await new Promise((r) => registry.child.once('exit', r));
  }
}

const bench: Bench = {
  title: `catalog: /v1/search over ${ACTIONS} actions and ${ACTIONS * VERSIONS} versions (sequential, ${SAMPLES} requests)`,
  async run(): Promise<BenchRow[]> {
    const data = mkdtempSync(join(tmpdir(), 'caravan-catalog-bench-'));
    const rows: BenchRow[] = [];
    try {
      rows.push(...(await figures('SQLite', { dataDir: data })));
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
    if (!hasPostgres) return rows;
    const dbName = `caravan_catalog_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${dbName}`;
    const pgData = mkdtempSync(join(tmpdir(), 'caravan-catalog-bench-pg-'));
    try {
      rows.push(...(await figures('PostgreSQL', { dataDir: pgData, databaseUrl: url.toString() })));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      rmSync(pgData, { recursive: true, force: true });
    }
    return rows;
  },
};

export default bench;
