/** A real `caravan server` in this process (SQLite) for the run pages' tests, with a runner and a viewer token. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../../../src/server/serve.js';
import { serve } from '../../../src/server/serve.js';
import { ServerStore } from '../../../src/server/server-store.js';
import { createToken } from '../../../src/server/tokens.js';
import { client, ensureBuilt } from '../server-process.js';

export interface PagesServer {
  running: RunningServer;
  data: string;
  runner: string;
  viewer: string;
  api: ReturnType<typeof client>;
  close(): Promise<void>;
}

export async function startPagesServer(): Promise<PagesServer> {
  ensureBuilt();
  const data = mkdtempSync(join(tmpdir(), 'caravan-pages-'));
  const store = new ServerStore(join(data, 'server.db'));
  const runner = createToken(store, 'ops', 'runner');
  const viewer = createToken(store, 'watcher', 'viewer');
  store.close();
  const running = await serve({
    data,
    port: 0,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
  });
  return {
    running,
    data,
    runner,
    viewer,
    api: client(() => running.url, runner),
    async close() {
      await running.stop();
      await running.service.engine.close();
      await running.service.store.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
