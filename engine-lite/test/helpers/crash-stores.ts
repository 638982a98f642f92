/**
 * The stores a crash test runs on (SQLite in the test's home, PostgreSQL in a schema of its own,
 * dropped afterwards) and the store writes it can stop the engine before.
 */
import { join } from 'node:path';
import { dropPostgresSchemas, hasPostgres, postgresUrl } from '../../../test/services.js';
import { PostgresEngineStore } from '../../src/store/postgres.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import type { EngineStore } from '../../src/store/types.js';

export interface CrashStoreKind {
  name: string;
  skip: boolean;
  open(home: string): Promise<{ store: EngineStore; drop(): Promise<void> }>;
}

/** SQLite and PostgreSQL; `prefix` names the PostgreSQL schemas of this test file. */
export function crashStores(prefix: string): CrashStoreKind[] {
  return [
    {
      name: 'SQLite',
      skip: false,
      async open(home) {
        const store = new SqliteEngineStore(join(home, 'engine.db'));
        return { store, drop: () => store.close() };
      },
    },
    {
      name: 'PostgreSQL',
      skip: !hasPostgres,
      async open() {
        const schema = `${prefix}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
        const store = await PostgresEngineStore.open(postgresUrl, schema);
        return {
          store,
          async drop() {
            await store.close();
            await dropPostgresSchemas(schema);
          },
        };
      },
    },
  ];
}

/** The store's `updateStep` of `stepId` (to `status`, when given). */
export const isStep = (stepId: string, status?: string) => (method: string, args: unknown[]) =>
  method === 'updateStep' &&
  args[1] === stepId &&
  (status === undefined || (args[2] as { status?: string }).status === status);

/** The store's `addEvent` of an event `type` of `stepId`. */
export const isEvent = (stepId: string, type: string) => (method: string, args: unknown[]) =>
  method === 'addEvent' &&
  (args[0] as { stepId?: string; type: string }).stepId === stepId &&
  (args[0] as { type: string }).type === type;
