/**
 * Opens a registry's state from its data folder: blobs always on disk in DATA/blobs; the database
 * is DATA/registry.db (SQLite) unless a PostgreSQL URL is given (`CARAVAN_DATABASE_URL`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from './blobs.js';
import { caravanHome } from './client/caravan-home.js';
import { redactUrlsIn } from './client/redact.js';
import { PostgresStore } from './store/postgres-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { RegistryStore } from './store/types.js';

export interface OpenOptions {
  dataDir: string;
  /** `postgres://…`; SQLite in dataDir when absent. */
  databaseUrl?: string;
  /** PostgreSQL schema to use instead of `public` (tests). */
  schema?: string;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(caravanHome(env), 'registry');
}

export async function openStore(opts: OpenOptions): Promise<RegistryStore> {
  mkdirSync(opts.dataDir, { recursive: true });
  if (opts.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new Error('CARAVAN_DATABASE_URL must start with postgres:// or postgresql://');
    }
    const store = new PostgresStore(
      opts.schema ? { url: opts.databaseUrl, schema: opts.schema } : { url: opts.databaseUrl },
    );
    try {
      await store.migrate();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw new Error(`cannot open the PostgreSQL database: ${redactUrlsIn((err as Error).message)}`, { cause: err });
    }
    return store;
  }
  return new SqliteStore(join(opts.dataDir, 'registry.db'));
}

export function openBlobs(dataDir: string): BlobStore {
  return new BlobStore(join(dataDir, 'blobs'));
}
