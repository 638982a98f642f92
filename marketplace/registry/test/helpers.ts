/** Shared test helpers: store factories (SQLite and PostgreSQL), tarball builders, a running registry with users. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';
import { hasPostgres, postgresUrl } from '../../../test/services.js';
import { addUser, grant } from '../src/admin.js';
import { openStore } from '../src/open.js';
import { startRegistry, type RunningRegistry, type StartOptions } from '../src/serve.js';
import type { RegistryStore } from '../src/store/types.js';

export function tempDir(prefix = 'caravan-reg-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freshSchema(): string {
  return `reg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface StoreFactory {
  kind: 'sqlite' | 'postgres';
  available: boolean;
  /** Options for openStore / startRegistry. */
  options(dataDir: string): { dataDir: string; databaseUrl?: string; schema?: string };
}

export const storeFactories: StoreFactory[] = [
  { kind: 'sqlite', available: true, options: (dataDir) => ({ dataDir }) },
  {
    kind: 'postgres',
    available: hasPostgres,
    options: (dataDir) => ({ dataDir, databaseUrl: postgresUrl, schema: freshSchema() }),
  },
];

/** Drops a test's PostgreSQL schema and removes its data folder. */
export async function cleanup(opts: { dataDir: string; databaseUrl?: string; schema?: string }): Promise<void> {
  if (opts.databaseUrl && opts.schema) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${opts.schema} CASCADE`);
    await client.end();
  }
  rmSync(opts.dataDir, { recursive: true, force: true });
}

export interface TarEntry {
  name: string;
  type?: Header['type'];
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  size?: number;
}

/** Builds a gzip'd tar from raw entries, hostile ones included (nothing is checked here). */
export async function buildTarball(entries: TarEntry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const body = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    const header: Partial<Header> & { name: string } = {
      name: e.name,
      type: e.type ?? 'file',
      mode: e.mode ?? 0o644,
      mtime: new Date(0),
    };
    if (e.linkname !== undefined) header.linkname = e.linkname;
    if (body !== undefined) header.size = body.length;
    else if (e.size !== undefined) header.size = e.size;
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body !== undefined) p.entry(header, body, cb);
      else if (header.type === 'file')
        p.entry({ ...header, size: header.size ?? 0 }, Buffer.alloc(header.size ?? 0), cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export function actionYml(name: string, version: string, extra = ''): string {
  return `name: ${name}\nversion: ${version}\ndescription: test action ${name}\nruns:\n  command: echo\n${extra}`;
}

/** A valid package; `salt` makes the bytes differ between otherwise equal packages. */
export function actionTarball(
  name: string,
  version: string,
  opts: { salt?: string; extra?: string; readme?: string } = {},
): Promise<Buffer> {
  const entries: TarEntry[] = [{ name: 'action.yml', content: actionYml(name, version, opts.extra) }];
  if (opts.readme !== undefined) entries.push({ name: 'README.md', content: opts.readme });
  if (opts.salt !== undefined) entries.push({ name: 'salt.txt', content: opts.salt });
  return buildTarball(entries);
}

export interface TestRegistry extends RunningRegistry {
  tokens: Record<string, string>;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts a registry on 127.0.0.1 with an ephemeral port and these users:
 * root (admin), alice (owner of acme), bob (publisher of acme/payments), carol (reader of acme), eve (no roles).
 */
export async function startTestRegistry(
  factory: StoreFactory,
  extra: Pick<StartOptions, 'accessLog' | 'logError'> = {},
): Promise<TestRegistry> {
  const opts = factory.options(tempDir());
  const store: RegistryStore = await openStore(opts);
  const tokens: Record<string, string> = {};
  tokens['root'] = (await addUser(store, 'root', true)).token;
  for (const u of ['alice', 'bob', 'carol', 'eve']) tokens[u] = (await addUser(store, u, false)).token;
  await grant(store, 'alice', 'acme', 'owner');
  await grant(store, 'bob', 'acme/payments', 'publisher');
  await grant(store, 'carol', 'acme', 'reader');
  await store.close();
  const running = await startRegistry({ ...opts, port: 0, logError: () => undefined, ...extra });
  return {
    ...running,
    tokens,
    dataDir: opts.dataDir,
    async stop() {
      await running.close();
      await cleanup(opts);
    },
  };
}

export function auth(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function publish(
  base: string,
  token: string | undefined,
  name: string,
  version: string,
  body: Buffer,
  integrity?: string,
): Promise<Response> {
  return fetch(`${base}/v1/actions/${name}/-/versions/${version}`, {
    method: 'PUT',
    headers: {
      ...auth(token),
      'content-type': 'application/gzip',
      ...(integrity ? { 'x-caravan-integrity': integrity } : {}),
    },
    body,
  });
}

export async function json(
  base: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...auth(token), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Every blob file under DATA/blobs (excluding the temp folder). */
export function blobFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'blobs');
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /^[0-9a-f]{2}[/\\][0-9a-f]{64}$/.test(f));
}
