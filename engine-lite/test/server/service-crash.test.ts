/**
 * The crash window of a submission: the service dies right after the run and its queue entry are
 * stored (one write), before anything else. A fresh service on the same data takes the run and
 * drives it to success with its secrets; with the secrets gone, the run fails saying why.
 * On SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchemas, hasPostgres, postgresUrl } from '../../../test/services.js';
import { serve } from '../../src/server/serve.js';
import { ServerStore } from '../../src/server/server-store.js';
import { openEngineStore } from '../../src/store/open.js';
import { Crash, CrashSwitch, crashingStore } from '../helpers/crash.js';
import { ensureBuilt } from './server-process.js';

const SECRET = 'crash-w1ndow-secret-value';
const PIPELINE = [
  'version: "1"',
  'name: crashy',
  'secrets: [API_TOKEN]',
  'steps:',
  `  - id: check\n    run: 'test "$API_TOKEN" = ${SECRET}'`,
].join('\n');

const dirs: string[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await dropPostgresSchemas(...schemas);
});

function setup(kind: 'sqlite' | 'postgres'): { data: string; env: NodeJS.ProcessEnv } {
  const data = mkdtempSync(join(tmpdir(), `caravan-crash-${kind}-`));
  dirs.push(data);
  const schema = `crash_window_${process.pid}_${Date.now()}`;
  if (kind === 'postgres') schemas.push(schema);
  const env = {
    ...process.env,
    CARAVAN_HOME: data,
    CARAVAN_SECRET_KEY: '',
    CARAVAN_DATABASE_URL: kind === 'postgres' ? postgresUrl : '',
    CARAVAN_DATABASE_SCHEMA: schema,
  };
  return { data, env };
}

/** Submits through a service whose store dies at the first write after the run is stored; returns the run id. */
async function submitAndCrash(data: string, env: NodeJS.ProcessEnv): Promise<string> {
  const inner = await openEngineStore(env);
  const sw = new CrashSwitch({ write: (method) => method !== 'createRun' });
  const dying = await serve({ data, port: 0, env, store: crashingStore(inner, sw) });
  await expect(dying.service.submit({ pipeline: PIPELINE, secrets: { API_TOKEN: SECRET } })).rejects.toThrow(Crash);
  await dying.stop();
  const [listed] = await inner.listRunPage({ limit: 1 });
  const entry = await inner.queueEntry(listed!.run.id);
  expect(listed!.run.status).toBe('queued');
  expect(entry?.admitted).toBe(false);
  await dying.service.engine.close();
  await inner.close();
  return listed!.run.id;
}

async function restartAndDrain(data: string, env: NodeJS.ProcessEnv, runId: string) {
  const fresh = await serve({ data, port: 0, env });
  try {
    await fresh.service.idle();
    return { run: await fresh.service.store.getRun(runId), queue: await fresh.service.queue() };
  } finally {
    await fresh.stop();
    await fresh.service.engine.close();
    await fresh.service.store.close();
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !hasPostgres)(`a crash right after a run is stored (${kind})`, () => {
    it('a fresh service takes the run and drives it to success with its secrets', async () => {
      ensureBuilt();
      const { data, env } = setup(kind);
      const runId = await submitAndCrash(data, env);
      const { run, queue } = await restartAndDrain(data, env, runId);
      expect(run?.status).toBe('success');
      expect(queue).toEqual([]);
      const server = new ServerStore(join(data, 'server.db'));
      expect(server.sealedSecrets(runId)).toBeUndefined(); // wiped at the end
      server.close();
    }, 60_000);

    it('with its sealed secrets gone, the run fails and says how to run it again', async () => {
      const { data, env } = setup(kind);
      const runId = await submitAndCrash(data, env);
      const server = new ServerStore(join(data, 'server.db'));
      server.wipeSecrets(runId);
      server.close();
      const { run } = await restartAndDrain(data, env, runId);
      expect(run?.status).toBe('failed');
      expect(run?.error).toMatch(/secrets API_TOKEN are no longer kept.*rerun it with its secrets/);
      expect(run?.error).not.toContain(SECRET);
    }, 60_000);
  });
}
