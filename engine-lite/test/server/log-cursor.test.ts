/** A log follower reads only what is new at each look, whatever the log's length. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LogCursor } from '../../src/server/log-cursor.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import type { EngineStore } from '../../src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'caravan-log-cursor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The store, counting the log lines its reads return. */
function counting(inner: EngineStore): { store: EngineStore; read: () => number } {
  let read = 0;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'getLogs' && prop !== 'getLogsAfter') return value.bind(target);
      return async (...args: unknown[]) => {
        const lines = (await (value as (...a: unknown[]) => Promise<unknown[]>).apply(target, args)) as unknown[];
        read += lines.length;
        return lines;
      };
    },
  });
  return { store, read: () => read };
}

it('each look reads only the lines stored since the last, for one step and for several', async () => {
  const inner = new SqliteEngineStore(join(dir, 'engine.db'));
  const { store, read } = counting(inner);
  const batch = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({ stream: 'stdout' as const, text: `${prefix} ${i}`, ts: i }));
  for (let seq = 1; seq <= 10; seq++) await inner.appendLogs('r', 'a', 'r.a.1', seq, batch(1000, `a${seq}`));
  const cursor = new LogCursor(store, 'r');
  expect(await cursor.next('a')).toHaveLength(10_000);
  const before = read();
  for (let seq = 11; seq <= 20; seq++) {
    await inner.appendLogs('r', 'a', 'r.a.1', seq, batch(3, `a${seq}`));
    const fresh = await cursor.next('a');
    expect(fresh.map((l) => l.text)).toEqual([`a${seq} 0`, `a${seq} 1`, `a${seq} 2`]);
  }
  expect(read() - before).toBe(30);
  expect(await cursor.next('a')).toEqual([]);
  // Two steps merged by time; a page that already shows 10,001 lines of a starts after them.
  await inner.appendLogs('r', 'b', 'r.b.1', 1, [{ stream: 'stderr', text: 'b early', ts: 1 }]);
  const late = new LogCursor(store, 'r');
  await late.skip('a', 10_001);
  const merged = await late.nextOfSteps(['a', 'b']);
  const texts = merged.map((l) => l.text);
  expect(texts).toHaveLength(30);
  expect(texts).not.toContain('a11 0');
  expect(texts.filter((t) => t.startsWith('a11'))).toEqual(['a11 1', 'a11 2']);
  expect(texts).toContain('b early');
  expect(merged.map((l) => l.ts)).toEqual([...merged.map((l) => l.ts)].sort((x, y) => x - y));
  expect(late.sent).toBe(30);
  await inner.close();
});
