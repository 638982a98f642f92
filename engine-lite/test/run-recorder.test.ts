/** RunRecorder: the one writer — checks before it writes, masks what it writes, tells listeners after. */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/engine-deps.js';
import { textMasker } from '../src/masking.js';
import { RunRecorder } from '../src/run-recorder.js';
import type { StepRecord } from '../src/store/types.js';
import { FakeClock } from './helpers/fake-clock.js';
import { MemoryStore } from './helpers/memory-store.js';
import { makePipeline } from './helpers/pipeline.js';

async function recorder(emit: (e: EngineEvent) => void = () => undefined) {
  const store = new MemoryStore();
  const steps: StepRecord[] = [{ runId: 'r', stepId: 'a', status: 'queued', attempt: 0, outputs: {}, order: 0 }];
  await store.createRun(
    {
      id: 'r',
      pipelineName: 'p',
      file: 'p.yml',
      source: '',
      pipeline: makePipeline([{ id: 'a' }]),
      params: {},
      actions: {},
      secretNames: [],
      executor: 'noop',
      concurrency: 1,
      status: 'queued',
      cancelRequested: false,
      createdAt: 0,
    },
    steps,
  );
  store.journal.length = 0;
  const deps = { store, clock: new FakeClock(5_000), masker: textMasker(['hunter2-secret']), emit };
  return { store, rec: new RunRecorder(deps, 'r', structuredClone(steps)) };
}

describe('RunRecorder', () => {
  it('refuses a status change the transition table forbids before writing anything', async () => {
    const { store, rec } = await recorder();
    await expect(rec.stepChanged('a', { status: 'success' })).rejects.toThrow(/invalid status change queued → success/);
    expect(store.journal).toEqual([]);
    expect(rec.record('a').status).toBe('queued');
  });

  it('writes the step, then its event, then tells listeners, who see it stored', async () => {
    const seen: string[] = [];
    const { store, rec } = await recorder((e) => {
      const stored = store.steps.get('r')![0]!.status;
      seen.push(`${e.type === 'step' ? e.stepId : 'run'} ${e.status} (stored: ${stored})`);
    });
    await rec.stepChanged('a', { status: 'running', attempt: 1, startedAt: 5_000 });
    expect(store.journal).toEqual(['updateStep a running', 'addEvent a step.running']);
    expect(store.events[0]).toMatchObject({ type: 'step.running', data: { attempt: 1 }, ts: 5_000 });
    expect(seen).toEqual(['a running (stored: running)']);
    expect(rec.record('a')).toMatchObject({ status: 'running', attempt: 1, startedAt: 5_000 });
  });

  it('masks errors, outputs and event data with the agent rules, and caps errors at 4000 characters', async () => {
    const { store, rec } = await recorder();
    await rec.stepChanged('a', { status: 'running', attempt: 1 });
    const b64 = Buffer.from('hunter2-secret').toString('base64');
    await rec.stepChanged('a', {
      status: 'failed',
      error: `bad ${b64} ${'x'.repeat(5000)}`,
      outputs: { o: 'hunter2-secret' },
    });
    await rec.event('agent.output', { value: `"hunter2-secret"` }, 'a');
    const all = JSON.stringify([store.steps.get('r'), store.events]);
    expect(all).not.toContain('hunter2-secret');
    expect(all).not.toContain(b64);
    expect(rec.record('a').error).toHaveLength(4000);
    expect(rec.record('a').outputs).toEqual({ o: '***' });
    expect(store.events.at(-1)?.data).toEqual({ value: '"***"' });
  });

  it('logs a listener that throws as listener.error; the change stays stored', async () => {
    const { store, rec } = await recorder(() => {
      throw new Error('progress printer broke');
    });
    await rec.stepChanged('a', { status: 'running', attempt: 1 });
    expect(store.events.map((e) => [e.type, e.data.error ?? ''])).toEqual([
      ['step.running', ''],
      ['listener.error', 'progress printer broke'],
    ]);
  });
});
