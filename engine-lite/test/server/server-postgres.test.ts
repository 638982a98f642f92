/** `caravan server` as a real process with its engine store in PostgreSQL: a run survives `kill -9` and a restart. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchemas, hasPostgres, postgresUrl } from '../../../test/services.js';
import type { ServerProcess } from './server-process.js';
import { caravanSync, client, ensureBuilt, startServer } from './server-process.js';

const schema = `caravan_server_test_${process.pid}`;
let data: string;
let env: NodeJS.ProcessEnv;
let server: ServerProcess | undefined;

beforeAll(async () => {
  if (!hasPostgres) return;
  ensureBuilt();
  data = mkdtempSync(join(tmpdir(), 'caravan-server-pg-'));
  env = {
    ...process.env,
    CARAVAN_HOME: data,
    CARAVAN_DATABASE_URL: postgresUrl,
    CARAVAN_DATABASE_SCHEMA: schema,
    CARAVAN_REGISTRY: '',
  };
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  await dropPostgresSchemas(schema);
  if (data) rmSync(data, { recursive: true, force: true });
});

describe.skipIf(!hasPostgres)('caravan server on PostgreSQL', () => {
  it('stores runs in PostgreSQL and finishes a run in flight after kill -9 and a restart', async () => {
    const token = caravanSync(['server', 'token', 'create', 'ci', '--role', 'runner'], env).trim();
    server = await startServer(data, env);
    const api = client(() => server!.url, token);
    const marks = join(data, 'marks');
    const pipeline = [
      'version: "1"',
      'name: pg-crash',
      'steps:',
      `  - id: first\n    run: "echo first >> ${marks}"`,
      `  - id: slow\n    needs: [first]\n    run: "sleep 2; echo slow >> ${marks}"`,
    ].join('\n');
    const { id } = (await api.call('POST', '/v1/runs', { pipeline })).body;
    await api.waitFor(id, (r) => r.steps.find((s) => s.id === 'slow')?.status === 'running');
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServer(data, env);
    const run = await api.waitEnd(id);
    expect(run.status).toBe('success');
    expect(readFileSync(marks, 'utf8')).toBe('first\nslow\n');
    const c = new pg.Client({ connectionString: postgresUrl });
    await c.connect();
    const rows = await c.query(`SELECT status FROM ${schema}.runs WHERE id = $1`, [id]);
    await c.end();
    expect(rows.rows).toEqual([{ status: 'success' }]);
  }, 90_000);
});
