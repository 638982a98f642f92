/** Resolutions counted in memory and flushed on a (fake) clock: bounded, batched, never failing a resolve. */
import { describe, expect, it } from 'vitest';
import { ResolutionCounter } from '../../src/catalog/resolution-counter.js';
import type { ResolutionCount } from '../../src/store/catalog-types.js';
import { DAY, fakeClock } from './fixtures.js';

function recorder() {
  const batches: ResolutionCount[][] = [];
  return { batches, write: async (counts: ResolutionCount[]) => void batches.push(counts) };
}

describe('ResolutionCounter', () => {
  it('writes nothing until the interval passes, then one batch of counts per action and day', async () => {
    const clock = fakeClock();
    const { batches, write } = recorder();
    const counter = new ResolutionCounter({ write, clock, intervalMs: 5000 });
    counter.add('acme/lint');
    counter.add('acme/lint');
    counter.add('acme/deploy');
    clock.advance(4999);
    await Promise.resolve();
    expect(batches).toEqual([]);
    expect(clock.timers).toBe(1);
    expect(counter.size).toBe(2);
    clock.advance(1);
    expect(counter.size).toBe(0);
    await counter.flush();
    expect(batches).toEqual([
      [
        { name: 'acme/lint', day: '2026-03-10', count: 2 },
        { name: 'acme/deploy', day: '2026-03-10', count: 1 },
      ],
    ]);
    expect(counter.size).toBe(0);
  });

  it('keeps one timer however many resolutions come, and starts the next only with the next count', async () => {
    const clock = fakeClock();
    const { batches, write } = recorder();
    const counter = new ResolutionCounter({ write, clock });
    for (let i = 0; i < 1000; i++) counter.add('acme/lint');
    expect(clock.timers).toBe(1);
    clock.advance(5000);
    await counter.flush();
    expect(batches.flat()).toEqual([{ name: 'acme/lint', day: '2026-03-10', count: 1000 }]);
    expect(clock.timers).toBe(0);
    clock.advance(60_000);
    expect(batches).toHaveLength(1);
  });

  it('counts each UTC day on its own', async () => {
    const clock = fakeClock(Date.parse('2026-03-10T23:59:59Z'));
    const { batches, write } = recorder();
    const counter = new ResolutionCounter({ write, clock, intervalMs: 10_000 });
    counter.add('acme/lint');
    clock.advance(2000);
    counter.add('acme/lint');
    await counter.flush();
    expect(batches.flat()).toEqual([
      { name: 'acme/lint', day: '2026-03-10', count: 1 },
      { name: 'acme/lint', day: '2026-03-11', count: 1 },
    ]);
  });

  it('flushes at once when too many actions wait, so memory stays bounded', async () => {
    const clock = fakeClock();
    const { batches, write } = recorder();
    const counter = new ResolutionCounter({ write, clock, maxPending: 3 });
    counter.add('a/1');
    counter.add('a/2');
    expect(batches).toHaveLength(0);
    counter.add('a/3');
    expect(counter.size).toBe(0);
    await counter.flush();
    expect(batches[0]).toHaveLength(3);
    expect(counter.size).toBe(0);
  });

  it('drops a batch the store refuses, tells onError, and keeps counting', async () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    let fail = true;
    const written: ResolutionCount[] = [];
    const counter = new ResolutionCounter({
      clock,
      write: async (counts) => {
        if (fail) throw new Error('database is locked');
        written.push(...counts);
      },
      onError: (err) => errors.push(err),
    });
    counter.add('acme/lint');
    clock.advance(5000);
    await counter.flush();
    expect(errors).toHaveLength(1);
    fail = false;
    counter.add('acme/lint');
    clock.advance(DAY);
    await counter.flush();
    expect(written).toEqual([{ name: 'acme/lint', day: '2026-03-10', count: 1 }]);
  });
});
