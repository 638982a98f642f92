/** The executor slots shared by an engine's runs: limits, priority then FIFO across runs, re-attached steps. */
import { afterEach, describe, expect, it } from 'vitest';
import { StepSlots } from '../src/step-slots.js';
import { ControlledExecutor } from './helpers/controlled-executor.js';
import { testEngine } from './helpers/engine.js';
import type { TestEngine } from './helpers/engine.js';
import { makePipeline } from './helpers/pipeline.js';

describe('StepSlots on its own', () => {
  const orders: Record<string, { priority: number; seq: number }> = {
    low: { priority: 0, seq: 1 },
    high: { priority: 5, seq: 2 },
    later: { priority: 5, seq: 3 },
  };
  const slots = () => new StepSlots({ total: 1, perKind: { docker: 1 }, orderOf: (id) => orders[id] });

  it('hands a freed slot to the waiting run with the highest priority, FIFO within one', () => {
    const s = slots();
    const woken: string[] = [];
    expect(s.take('low', 'process', () => woken.push('low'))).toBe(true);
    expect(s.take('later', 'process', () => woken.push('later'))).toBe(false);
    expect(s.take('high', 'process', () => woken.push('high'))).toBe(false);
    expect(s.waiting().map((w) => w.runId)).toEqual(['high', 'later']);
    s.give('process');
    expect(woken).toEqual(['high']);
    // a run behind a waiting one that could use the slot does not jump the line
    expect(s.take('later', 'process', () => woken.push('later'))).toBe(false);
    expect(s.take('high', 'process', () => woken.push('high'))).toBe(true);
  });

  it('reads priorities at each decision: a run raised while it waits goes first', () => {
    const live: Record<string, { priority: number; seq: number }> = {
      holder: { priority: 0, seq: 0 },
      early: { priority: 0, seq: 1 },
      late: { priority: 0, seq: 2 },
    };
    let waits = 0;
    const s = new StepSlots({ total: 1, orderOf: (id) => live[id], onWait: () => waits++ });
    const woken: string[] = [];
    expect(s.take('holder', 'process', () => undefined)).toBe(true);
    expect(waits).toBe(0);
    expect(s.take('early', 'process', () => woken.push('early'))).toBe(false);
    expect(waits).toBe(1);
    expect(s.take('late', 'process', () => woken.push('late'))).toBe(false);
    live.late!.priority = 3;
    expect(s.waiting().map((w) => w.runId)).toEqual(['late', 'early']);
    s.give('process');
    expect(woken).toEqual(['late']);
  });

  it('a run waiting for a full executor kind does not hold up runs of another kind', () => {
    const s = new StepSlots({ total: 3, perKind: { docker: 1 }, orderOf: (id) => orders[id] });
    expect(s.take('low', 'docker', () => undefined)).toBe(true);
    expect(s.take('high', 'docker', () => undefined)).toBe(false);
    expect(s.take('low', 'process', () => undefined)).toBe(true);
    expect(s.inUse.get('docker')).toBe(1);
  });

  it('counts re-attached steps over the limit and frees waiting runs that leave', () => {
    const s = slots();
    s.hold('process');
    s.hold('process');
    const woken: string[] = [];
    expect(s.take('high', 'process', () => woken.push('high'))).toBe(false);
    expect(s.take('later', 'process', () => woken.push('later'))).toBe(false);
    s.give('process');
    expect(woken).toEqual([]);
    s.leave('high');
    s.give('process');
    expect(woken).toEqual(['later']);
  });
});

let current: TestEngine | undefined;
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

describe('runs of one engine sharing its slots', () => {
  it('runs the steps of the higher-priority run first, then the rest in arrival order', async () => {
    const order: Record<string, { priority: number; seq: number }> = {};
    const exec = new ControlledExecutor();
    const slots = new StepSlots({ total: 1, orderOf: (id) => order[id] });
    current = await testEngine(exec, { slots });
    const { engine } = current;
    const create = async (prefix: string, n: number, priority: number) => {
      const steps = Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));
      const run = await engine.createRun({
        pipeline: makePipeline(steps),
        source: '',
        executor: 'ctl',
        concurrency: 4,
      });
      order[run.id] = { priority, seq: Object.keys(order).length };
      return run.id;
    };
    const a = await create('a', 3, 0);
    const b = await create('b', 2, 5);
    const c = await create('c', 1, 0);
    const until = async (n: number) => {
      while (exec.started.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    const done = [engine.execute(a)];
    await until(1);
    done.push(engine.execute(b), engine.execute(c));
    // both wait for the slot a0 holds
    while (slots.waiting().length < 2) await new Promise((r) => setTimeout(r, 5));
    for (let n = 1; n <= 6; n++) {
      await until(n);
      expect(exec.running).toHaveLength(1);
      exec.end(exec.started.at(-1)!);
    }
    expect(await Promise.all(done)).toEqual(['success', 'success', 'success']);
    // a0 took the free slot before the others asked; then b (priority 5), then a and c by arrival
    expect(exec.started).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'c0']);
  });
});
