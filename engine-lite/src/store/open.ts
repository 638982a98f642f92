import { join } from 'node:path';
import { caravanHome } from '../paths.js';
import { PostgresEngineStore } from './postgres.js';
import { SqliteEngineStore } from './sqlite.js';
import type { EngineStore } from './types.js';

/** PostgreSQL when `CARAVAN_DATABASE_URL` is set, else SQLite at `$CARAVAN_HOME/engine.db`. */
export async function openEngineStore(env: NodeJS.ProcessEnv = process.env): Promise<EngineStore> {
  const url = env.CARAVAN_DATABASE_URL;
  if (url) return PostgresEngineStore.open(url, env.CARAVAN_DATABASE_SCHEMA ?? 'caravan_engine');
  return new SqliteEngineStore(join(caravanHome(env), 'engine.db'));
}
