import { describe, expect, it } from 'vitest';
import { FreshRead } from '../src/store/fresh-read.js';

/** A read whose answers the test hands out one by one, counting how many were started. */
function scriptedRead() {
  const pending: ((v: number) => void)[] = [];
  let started = 0;
  const read = new FreshRead<number>(
    () =>
      new Promise<number>((resolve) => {
        started++;
        pending.push(resolve);
      }),
  );
  return {
    read,
    started: () => started,
    answer: (v: number) => pending.shift()?.(v),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FreshRead', () => {
  it('never answers a caller with a read that started before it asked', async () => {
    const s = scriptedRead();
    const first = s.read.get();
    const late = s.read.get();
    const later = s.read.get();
    expect(s.started()).toBe(1);
    s.answer(1);
    expect(await first).toBe(1);
    await tick();
    // the two late callers share the next read, started only after the first ended
    expect(s.started()).toBe(2);
    s.answer(2);
    expect(await late).toBe(2);
    expect(await later).toBe(2);
  });

  it('runs one read at a time however many callers wait', async () => {
    const s = scriptedRead();
    const all = [s.read.get()];
    for (let i = 0; i < 50; i++) all.push(s.read.get());
    expect(s.started()).toBe(1);
    s.answer(1);
    await tick();
    expect(s.started()).toBe(2);
    s.answer(2);
    expect(await Promise.all(all)).toEqual([1, ...Array<number>(50).fill(2)]);
  });

  it('passes a failed read to its callers and reads again for the next', async () => {
    let fail = true;
    const read = new FreshRead(async () => {
      if (fail) throw new Error('connection lost');
      return 'ok';
    });
    await expect(read.get()).rejects.toThrow('connection lost');
    fail = false;
    expect(await read.get()).toBe('ok');
  });
});
