/**
 * One real `caravan server` for a test file, on SQLite in a fresh data folder: its tokens are
 * created (one per name, with the role given) before it starts in `beforeAll`; `afterAll` kills it
 * and removes the folder. The fields are set once `beforeAll` has run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { caravanSync, ensureBuilt, startServer, type ServerProcess } from './server-process.js';

export interface ServerFixture {
  data: string;
  /** The environment the server and its CLI commands run with. */
  env: NodeJS.ProcessEnv;
  /** Each token asked for, by its name. */
  tokens: Record<string, string>;
  server: ServerProcess;
}

export function serverForFile(
  prefix: string,
  roles: Record<string, 'viewer' | 'runner' | 'admin'>,
  extraEnv: NodeJS.ProcessEnv = {},
): ServerFixture {
  const fixture = { tokens: {} } as ServerFixture;
  beforeAll(async () => {
    ensureBuilt();
    fixture.data = mkdtempSync(join(tmpdir(), `${prefix}-`));
    fixture.env = {
      ...process.env,
      CARAVAN_HOME: fixture.data,
      CARAVAN_DATABASE_URL: '',
      CARAVAN_REGISTRY: '',
      CARAVAN_SECRET_KEY: '',
      ...extraEnv,
    };
    for (const [name, role] of Object.entries(roles))
      fixture.tokens[name] = caravanSync(['server', 'token', 'create', name, '--role', role], fixture.env).trim();
    fixture.server = await startServer(fixture.data, fixture.env);
  }, 60_000);
  afterAll(async () => {
    fixture.server?.child.kill('SIGKILL');
    await fixture.server?.exited;
    if (fixture.data) rmSync(fixture.data, { recursive: true, force: true });
  });
  return fixture;
}
