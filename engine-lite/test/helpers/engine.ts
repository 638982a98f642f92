/** Starts an engine on a temporary CARAVAN_HOME with a SQLite store, for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineOptions } from '../../src/engine.js';
import { Engine } from '../../src/engine.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { ActionExecutor } from '../../src/executors/types.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { StubResolver } from './scripted.js';

export interface TestEngine {
  engine: Engine;
  home: string;
  cleanup(): Promise<void>;
}

export async function testEngine(executor: ActionExecutor, opts: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const home = mkdtempSync(join(tmpdir(), 'caravan-engine-'));
  const own = opts.store === undefined;
  const store = opts.store ?? new SqliteEngineStore(join(home, 'engine.db'));
  const engine = await Engine.start({
    store,
    home,
    executors: new ExecutorRegistry().add(executor),
    resolver: new StubResolver(),
    cancelPollMs: 50,
    ...opts,
  });
  return {
    engine,
    home,
    async cleanup() {
      await engine.close();
      if (own) await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
