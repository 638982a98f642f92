/**
 * Catalog search over 1,000 actions and 10,000 versions, as `caravan registry serve` answers
 * `/v1/search`: the p95 of the server's own time for each request (its access log's duration) over
 * sequential requests, beside the JSON API's resolve measured the same way in the same run; the
 * client-side p95 (with loopback) is in the detail. SQLite, and PostgreSQL when it is available.
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

interface Served {
  url: string;
  child: ChildProcess;
  /** The server's time (ms) for each answered request, by path, from its access log. */
  times: Map<string, number[]>;
}

function serve(data: string, env: Record<string, string>): Promise<Served> {
  const times = new Map<string, number[]>();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/caravan.js'), 'registry', 'serve', '--data', data, '--port', '0', '--access-log'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ url: m[1], child, times });
      pending += c.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const hit = / GET (\S+) 200 ([\d.]+)ms /.exec(line);
        if (!hit?.[1]) continue;
        const path = hit[1].split('?')[0] ?? '';
        times.set(path, [...(times.get(path) ?? []), Number(hit[2])]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}: ${out.slice(0, 2000)}`)));
  });
}

function percentile95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)] ?? 0;
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
  return percentile95(times);
}

async function figures(kind: string, opts: { dataDir: string; databaseUrl?: string }): Promise<BenchRow[]> {
  const store = await openStore(opts);
  const token = await seed(store);
  await store.close();
  if (opts.databaseUrl) {
    // Steady state, as autovacuum leaves a live database: planner statistics and the visibility map after the seed.
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    await client.query('VACUUM ANALYZE');
    await client.end();
  }
  const registry = await serve(opts.dataDir, opts.databaseUrl ? { CARAVAN_DATABASE_URL: opts.databaseUrl } : {});
  try {
    const resolvePath = `/v1/actions/${action(1).name}/-/resolve`;
    const resolveClient = await p95(registry.url, [`${resolvePath}?range=%5E1`], token);
    const searchClient = await p95(
      registry.url,
      QUERIES.map((q) => `/v1/search?${q}`),
      token,
    );
    // The access log is written after each answer: give the last lines a moment to arrive.
    await new Promise((r) => setTimeout(r, 500));
    const server = (path: string) => percentile95((registry.times.get(path) ?? []).slice(20));
    const search = server('/v1/search');
    const resolve = server(resolvePath);
    return [
      {
        name: `search p95 server time, ${ACTIONS} actions/${ACTIONS * VERSIONS} versions (${kind})`,
        value: search,
        unit: 'ms',
        baseline: resolve,
        baselineName: 'resolve p95',
        goal: `<= ${GOAL_MS} ms`,
        met: search <= GOAL_MS,
        detail: `client-side p95 with loopback: search ${searchClient.toFixed(1)} ms, resolve ${resolveClient.toFixed(1)} ms`,
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
