/**
 * Two servers on one PostgreSQL, each driving the runs it queued: a PATCH of a running run's
 * priority may reach the server that does not drive it. The one that drives it takes the stored
 * priority up while its steps wait for a slot, so its waiting steps go first as they would had
 * the PATCH reached it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { dropPostgresSchemas, hasPostgres, postgresUrl } from '../../../test/services.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { RunningServer } from '../../src/server/serve.js';
import { serve } from '../../src/server/serve.js';
import { ServerStore } from '../../src/server/server-store.js';
import { createToken } from '../../src/server/tokens.js';
import { ControlledExecutor } from '../helpers/controlled-executor.js';
import { StubResolver } from '../helpers/scripted.js';

const dirs: string[] = [];
const schema = `priority_two_${process.pid}_${Date.now()}`;
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await dropPostgresSchemas(schema);
});

async function start(ctl: ControlledExecutor): Promise<{ s: RunningServer; token: string }> {
  const data = mkdtempSync(join(tmpdir(), 'caravan-priority-two-'));
  dirs.push(data);
  const tokens = new ServerStore(join(data, 'server.db'));
  const token = createToken(tokens, 'ci', 'runner');
  tokens.close();
  const env = { ...process.env, CARAVAN_DATABASE_URL: postgresUrl, CARAVAN_DATABASE_SCHEMA: schema };
  const s = await serve({
    data,
    port: 0,
    maxSteps: 1,
    priorityPollMs: 50,
    env: { ...env, CARAVAN_SECRET_KEY: '' },
    engine: { executors: new ExecutorRegistry().add(ctl), resolver: new StubResolver({}) },
  });
  return { s, token };
}

const wide = (name: string, n: number) =>
  `version: "1"\nname: ${name}\nsteps:\n${Array.from({ length: n }, (_, i) => `  - id: ${name}${i}\n    uses: test/step@^1\n`).join('')}`;

it.skipIf(!hasPostgres)(
  "a priority changed through the other server puts the driving server's waiting steps first",
  async () => {
    const ctlA = new ControlledExecutor([], 'ctl');
    const a = await start(ctlA);
    const b = await start(new ControlledExecutor([], 'ctl'));
    try {
      const first = await a.s.service.submit({ pipeline: wide('a', 3), executor: 'ctl' });
      await vi.waitFor(() => expect(ctlA.running).toEqual(['a0']));
      const second = await a.s.service.submit({ pipeline: wide('b', 2), executor: 'ctl' });
      await vi.waitFor(async () => {
        const queue = await a.s.service.queue();
        expect(queue.find((q) => q.runId === second.id)?.reason).toMatch(/^a step waits for a ctl slot/);
      });
      const patched = await fetch(`${b.s.url}/v1/runs/${second.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ priority: 9 }),
      });
      expect(patched.status).toBe(200);
      expect(b.s.service.orderOf(second.id)).toBeUndefined();
      await vi.waitFor(() => expect(a.s.service.orderOf(second.id)?.priority).toBe(9), { timeout: 5000 });
      for (const step of ['a0', 'b0', 'b1', 'a1', 'a2']) {
        await vi.waitFor(() => expect(ctlA.running).toEqual([step]));
        ctlA.end(step);
      }
      expect(ctlA.started).toEqual(['a0', 'b0', 'b1', 'a1', 'a2']);
      await a.s.service.idle();
      expect((await a.s.service.store.getRun(first.id))?.status).toBe('success');
      expect((await a.s.service.store.queueEntry(second.id))?.priority).toBe(9);
    } finally {
      for (const { s } of [b, a]) {
        await s.stop();
        await s.service.engine.close();
        await s.service.store.close();
      }
    }
  },
  60_000,
);
