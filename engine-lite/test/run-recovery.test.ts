/** Crash recovery decided from a store snapshot and the task's phase, then carried out on fakes. */
import { describe, expect, it } from 'vitest';
import { buildDag } from '../src/dag.js';
import { recoveryAction, recoveryPlan } from '../src/run-recovery.js';
import type { StepRecord } from '../src/store/types.js';
import { report } from './helpers/controlled-executor.js';
import { makePipeline } from './helpers/pipeline.js';
import { RunHarness, TOKEN_SHA256 } from './helpers/run-harness.js';

describe('recoveryPlan: where a run stands, from its step records', () => {
  it('keeps final steps, reconciles running ones, re-arms pending retries and decides ready ones, in DAG order', () => {
    const pipeline = makePipeline([
      { id: 'done' },
      { id: 'skipped' },
      { id: 'was-running', needs: ['done'] },
      { id: 'retry-due', needs: ['done'] },
      { id: 'ready', needs: ['done', 'skipped'] },
      { id: 'blocked', needs: ['was-running', 'retry-due'] },
      { id: 'root' },
    ]);
    const records: Record<string, Partial<StepRecord>> = {
      done: { status: 'success' },
      skipped: { status: 'skipped' },
      'was-running': { status: 'running', taskId: 'r.was-running.1' },
      'retry-due': { status: 'failed', retryAt: 42 },
      ready: { status: 'queued' },
      blocked: { status: 'queued' },
      root: { status: 'queued' },
    };
    const plan = recoveryPlan(buildDag(pipeline.steps), (id) => ({ status: 'queued', ...records[id] }) as StepRecord);
    expect([...plan.finished]).toEqual(['done', 'skipped']);
    expect(Object.fromEntries(plan.waitingFor)).toEqual({
      'was-running': 0,
      'retry-due': 0,
      ready: 0,
      blocked: 2,
      root: 0,
    });
    expect(plan.starts).toEqual([
      { id: 'was-running', kind: 'reconcile' },
      { id: 'retry-due', kind: 'retry', at: 42 },
      { id: 'ready', kind: 'decide' },
      { id: 'root', kind: 'decide' },
    ]);
  });

  it('decides a running step by what its executor says of its task', () => {
    expect(recoveryAction('t', { phase: 'running' })).toBe('reattach');
    expect(recoveryAction('t', { phase: 'pending' })).toBe('reattach');
    expect(recoveryAction('t', { phase: 'exited', exitCode: 0 })).toBe('judge');
    expect(recoveryAction('t', { phase: 'created' })).toBe('requeue');
    expect(recoveryAction('t', { phase: 'gone' })).toBe('lost');
    expect(recoveryAction(undefined, { phase: 'running' })).toBe('lost');
  });
});

function crashed(
  phase: 'running' | 'created' | 'exited' | 'none',
  extra: ConstructorParameters<typeof RunHarness>[1] = {},
) {
  const h = new RunHarness([{ id: 'done' }, { id: 'a', needs: ['done'], timeout: 10 }, { id: 'last', needs: ['a'] }], {
    run: { status: 'running', enginePid: 999_999 },
    ...extra,
    records: {
      done: { status: 'success', attempt: 1 },
      a: { status: 'running', attempt: 1, taskId: 'run1.a.1', executor: 'ctl', ...extra.records?.a },
    },
  });
  h.store.events.push({
    runId: 'run1',
    stepId: 'a',
    type: 'step.callback',
    data: { taskId: 'run1.a.1', port: 45_555, tokenSha256: TOKEN_SHA256 },
    ts: 0,
  });
  if (phase === 'exited') h.exec.seed('run1.a.1', 'a', 'exited', report('failed', { exitCode: 3 }));
  else if (phase !== 'none') h.exec.seed('run1.a.1', 'a', phase);
  return h;
}

describe('RunRecovery: a step the store says was running', () => {
  it('re-attaches to a task still running: takes over its callback grant and keeps what is left of its timeout', async () => {
    const h = crashed('running', { records: { a: { startedAt: 1_700_000_000_000 - 3_000 } } });
    await h.start();
    expect(h.grants.regranted).toEqual([
      { grant: { taskId: 'run1.a.1', runId: 'run1', stepId: 'a', tokenSha256: TOKEN_SHA256 }, port: 45_555 },
    ]);
    expect(h.store.events.find((e) => e.type === 'step.reattached')?.data).toEqual({
      taskId: 'run1.a.1',
      callbackPort: 45_555,
    });
    // 10 s timeout, 3 s gone: the guard is due at 7 s + grace 10 s + slack 5 s
    expect(h.clock.pending).toContain(22_000);
    h.exec.end('a');
    await h.clock.advance(0);
    h.exec.end('last');
    expect(await h.done).toBe('success');
    expect(h.step('a')).toMatchObject({ status: 'success', attempt: 1 });
    expect(h.grants.revoked).toContain('run1.a.1');
    expect(h.exec.started).toEqual(['last']);
  });

  it('records a grant it could not take over, and still waits for the task', async () => {
    const h = crashed('running');
    h.grants.regrantAnswer = new Error('port in use by another program');
    await h.start();
    expect(h.events('a')).toEqual(['step.callback', 'callback.error', 'step.reattached']);
    expect(h.store.events.find((e) => e.type === 'step.reattached')?.data).toEqual({ taskId: 'run1.a.1' });
    h.exec.end('a');
    await h.clock.advance(0);
    h.exec.end('last');
    expect(await h.done).toBe('success');
  });

  it('judges a task that ended while no engine ran by the report it left', async () => {
    const h = crashed('exited');
    await h.start();
    expect(await h.done).toBe('failed');
    expect(h.step('a')).toMatchObject({ status: 'failed', exitCode: 3, error: 'the action failed' });
    expect(h.step('last').status).toBe('skipped');
    expect(h.exec.started).toEqual([]);
  });

  it('runs afresh, as the same attempt, a task that was created but never started', async () => {
    const h = crashed('created');
    await h.start();
    expect(h.journal.slice(0, 8)).toEqual([
      'updateRun status,enginePid,startedAt,endedAt,error',
      'remove run1.a.1',
      'addEvent a step.requeued',
      'updateStep a queued',
      'addEvent a step.queued',
      'updateStep a running',
      'addEvent a step.running',
      'addEvent a step.callback',
    ]);
    h.exec.end('a');
    await h.clock.advance(0);
    h.exec.end('last');
    expect(await h.done).toBe('success');
    expect(h.step('a')).toMatchObject({ status: 'success', attempt: 1 });
  });

  it('marks a step whose task is gone lost, and retries it by its policy', async () => {
    const h = crashed('none', {});
    h.run.pipeline.steps[1]!.retry = { count: 1, backoffSeconds: 5, factor: 1, maxSeconds: 5 };
    await h.start();
    expect(h.step('a')).toMatchObject({ status: 'lost', attempt: 1, retryAt: h.clock.now() + 5_000 });
    await h.clock.advance(5_000);
    h.exec.end('a');
    await h.clock.advance(0);
    h.exec.end('last');
    expect(await h.done).toBe('success');
    expect(h.events('a')).toEqual([
      'step.callback',
      'step.lost',
      'step.queued',
      'step.running',
      'step.callback',
      'step.success',
    ]);
  });
});
