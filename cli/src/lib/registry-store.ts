/** A registry's own data folder and database, for the commands that run or administer a registry on this machine. */
import { Flags } from '@oclif/core';
import { defaultDataDir, openStore, type RegistryStore } from '@caravan/registry';

export const dataFlag = {
  data: Flags.string({
    description: 'data folder of the registry (database and blobs); default $CARAVAN_HOME/registry',
  }),
};

/** CARAVAN_DATABASE_URL (PostgreSQL), when set. */
export function databaseUrl(): { databaseUrl?: string } {
  const url = process.env['CARAVAN_DATABASE_URL'];
  return url ? { databaseUrl: url } : {};
}

/** Runs `fn` with the registry's store (PostgreSQL when CARAVAN_DATABASE_URL is set), and closes it after. */
export async function withRegistryStore<T>(
  data: string | undefined,
  fn: (store: RegistryStore, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = data ?? defaultDataDir();
  const store = await openStore({ dataDir, ...databaseUrl() });
  try {
    return await fn(store, dataDir);
  } finally {
    await store.close();
  }
}
