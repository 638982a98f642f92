/**
 * Where tests find the real services started by scripts/services.sh, and whether they are up.
 * In CI (`CARAVAN_REQUIRE_SERVICES=1`) a missing service fails the suite instead of skipping it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const servicesDir = process.env.CARAVAN_SERVICES_DIR ?? '/tmp/caravan-services';

export const postgresUrl = process.env.CARAVAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const dockerHost = process.env.CARAVAN_TEST_DOCKER_HOST ?? `unix://${join(servicesDir, 'podman.sock')}`;

function probe(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function available(name: string, up: boolean): boolean {
  if (!up && process.env.CARAVAN_REQUIRE_SERVICES === '1') {
    throw new Error(`${name} is required (CARAVAN_REQUIRE_SERVICES=1) but not running: run scripts/services.sh`);
  }
  return up;
}

export const hasPostgres = available(
  'PostgreSQL on 127.0.0.1:5432',
  probe('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']),
);
export const hasPodman = available(
  'Podman Docker API',
  existsSync(join(servicesDir, 'podman.sock')) &&
    probe('curl', ['-sf', '--unix-socket', join(servicesDir, 'podman.sock'), 'http://d/_ping']),
);

/** Drops the test's PostgreSQL schemas, with what they hold (nothing when PostgreSQL is not up). */
export async function dropPostgresSchemas(...schemas: string[]): Promise<void> {
  if (!hasPostgres || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
