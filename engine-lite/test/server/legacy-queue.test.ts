/** A server.db from before queue entries moved to the engine store: its queued run is adopted and driven. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { serve } from '../../src/server/serve.js';

const data = mkdtempSync(join(tmpdir(), 'caravan-legacy-queue-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));
const env = { ...process.env, CARAVAN_HOME: data, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' };

it('adopts the run_meta places of an older server.db, keeping priority and labels, and drives the run', async () => {
  const first = await serve({ data, port: 0, env });
  first.service.pauseQueue();
  const run = await first.service.submit({
    pipeline: 'version: "1"\nname: old\nsteps:\n  - id: a\n    run: "true"\n',
    priority: 3,
    labels: { team: 'web' },
  });
  await first.stop();
  await first.service.engine.close();
  await first.service.store.close();
  // The layout an older server left: the place in server.db, none in the engine store.
  const engineDb = new Database(join(data, 'engine.db'));
  engineDb.prepare('DELETE FROM run_queue WHERE run_id = ?').run(run.id);
  engineDb.close();
  const serverDb = new Database(join(data, 'server.db'));
  serverDb
    .prepare('INSERT INTO run_meta (run_id, priority, seq, labels, rerun_of, admitted) VALUES (?, 3, 1, ?, NULL, 0)')
    .run(run.id, JSON.stringify({ team: 'web' }));
  serverDb.close();

  const second = await serve({ data, port: 0, env });
  try {
    await second.service.idle();
    expect((await second.service.store.getRun(run.id))?.status).toBe('success');
    expect(await second.service.entry(run.id)).toMatchObject({ priority: 3, labels: { team: 'web' }, admitted: true });
  } finally {
    await second.stop();
    await second.service.engine.close();
    await second.service.store.close();
  }
  const after = new Database(join(data, 'server.db'));
  expect(after.prepare('SELECT COUNT(*) FROM run_meta').pluck().get()).toBe(0);
  after.close();
}, 60_000);
