/** RunScheduler on fakes: ordering, limits, retry backoff, timeouts and cancel on a fake clock, no processes. */
import { describe, expect, it } from 'vitest';
import { ControlledExecutor, report } from './helpers/controlled-executor.js';
import { settle } from './helpers/fake-clock.js';
import { RunHarness } from './helpers/run-harness.js';

/** An executor whose task removals take until the test ends them. */
class SlowRemoval extends ControlledExecutor {
  private readonly gates = new Map<string, () => void>();

  get removing(): string[] {
    return [...this.gates.keys()];
  }

  override async remove(taskId: string): Promise<void> {
    await new Promise<void>((resolve) => this.gates.set(taskId, resolve));
    this.gates.delete(taskId);
    return super.remove(taskId);
  }

  finishRemoval(taskId: string): void {
    const gate = this.gates.get(taskId);
    if (!gate) throw new Error(`no removal of ${taskId} under way (under way: ${this.removing.join(', ') || 'none'})`);
    gate();
  }
}

const retry = { count: 2, backoffSeconds: 10, factor: 3, maxSeconds: 25 };

describe('RunScheduler: order and slots', () => {
  it('starts ready steps by step priority, then file order, as slots free up', async () => {
    const h = new RunHarness(
      [{ id: 'low' }, { id: 'high', priority: 10 }, { id: 'mid', priority: 5 }, { id: 'low2' }],
      {
        concurrency: 1,
      },
    );
    await h.start();
    expect(h.exec.started).toEqual(['high']);
    for (const id of ['high', 'mid', 'low']) {
      h.exec.end(id);
      await settle();
    }
    expect(h.exec.started).toEqual(['high', 'mid', 'low', 'low2']);
    h.exec.end('low2');
    expect(await h.done).toBe('success');
  });

  it('starts a step only when every step it needs is final, and skips the dependants of a failure', async () => {
    const h = new RunHarness([
      { id: 'a' },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['a'] },
      { id: 'd', needs: ['b', 'c'] },
      { id: 'e', needs: ['d'], if: 'failure()' },
    ]);
    await h.start();
    expect(h.exec.running).toEqual(['a']);
    h.exec.end('a');
    await settle();
    expect(h.exec.running.sort()).toEqual(['b', 'c']);
    h.exec.end('b', 2);
    await settle();
    expect(h.exec.running).toEqual(['c']);
    h.exec.end('c');
    await settle();
    expect(h.step('d')).toMatchObject({ status: 'skipped', error: 'a step it needs did not succeed' });
    h.exec.end('e');
    expect(await h.done).toBe('failed');
    expect(h.exec.started).toEqual(['a', 'b', 'c', 'e']);
  });

  it('keeps a step queued while its executor kind is at its limit, letting others pass', async () => {
    const other = new ControlledExecutor([], 'other');
    const h = new RunHarness([{ id: 'x1' }, { id: 'x2' }, { id: 'o1', executor: 'other' }], {
      executorLimits: { ctl: 1 },
    });
    h.deps.executors = { get: async (kind) => (kind === 'other' ? other : h.exec) };
    await h.start();
    expect(h.exec.running).toEqual(['x1']);
    expect(other.running).toEqual(['o1']);
    h.exec.end('x1');
    await settle();
    expect(h.exec.running).toEqual(['x2']);
    h.exec.end('x2');
    other.end('o1');
    expect(await h.done).toBe('success');
  });
});

describe('RunScheduler: retries on the clock', () => {
  it('waits backoff × factor^(n-1), capped at max, before each new attempt', async () => {
    const h = new RunHarness([{ id: 'flaky', retry }]);
    await h.start();
    const t0 = h.clock.now();
    h.exec.end('flaky', 1);
    await settle();
    expect(h.step('flaky')).toMatchObject({ status: 'failed', attempt: 1, retryAt: t0 + 10_000 });
    await h.clock.advance(9_999);
    expect(h.exec.started).toEqual(['flaky']);
    await h.clock.advance(1);
    expect(h.exec.started).toEqual(['flaky', 'flaky']);
    expect(h.step('flaky')).toMatchObject({ status: 'running', attempt: 2, retryAt: undefined });
    h.exec.end('flaky', 1);
    await settle();
    // 10 × 3 = 30 s, capped at 25 s
    expect(h.step('flaky').retryAt).toBe(h.clock.now() + 25_000);
    await h.clock.advance(25_000);
    h.exec.end('flaky', 0);
    expect(await h.done).toBe('success');
    expect(h.step('flaky')).toMatchObject({ status: 'success', attempt: 3 });
    expect(h.events('flaky').filter((t) => t !== 'step.callback')).toEqual([
      'step.running',
      'step.failed',
      'step.queued',
      'step.running',
      'step.failed',
      'step.queued',
      'step.running',
      'step.success',
    ]);
  });

  it('stops retrying after count more attempts, and a cancel during the backoff ends the step at once', async () => {
    const h = new RunHarness([
      { id: 'bad', retry: { ...retry, count: 1 } },
      { id: 'waiting', retry },
    ]);
    await h.start();
    h.exec.end('bad', 1);
    await h.clock.advance(10_000);
    h.exec.end('bad', 1);
    await settle();
    expect(h.step('bad')).toMatchObject({ status: 'failed', attempt: 2, retryAt: undefined });
    h.exec.end('waiting', 1);
    await settle();
    expect(h.step('waiting').retryAt).toBeDefined();
    h.scheduler!.cancel();
    expect(await h.done).toBe('cancelled');
    expect(h.step('waiting')).toMatchObject({ status: 'failed', attempt: 1, retryAt: undefined });
    expect(h.exec.started).toEqual(['bad', 'waiting', 'bad']);
    expect(h.clock.pending).toEqual([]);
  });
});

describe('RunScheduler: the timeout guard', () => {
  it('cancels a task at timeout + grace + slack when the agent did not stop it, and the step times out', async () => {
    const h = new RunHarness([{ id: 'slow', timeout: 5 }]);
    await h.start();
    await h.clock.advance(19_999);
    expect(h.exec.cancelled).toEqual([]);
    await h.clock.advance(1);
    expect(h.exec.cancelled).toEqual(['run1.slow.1']);
    expect(await h.done).toBe('failed');
    expect(h.step('slow')).toMatchObject({ status: 'timeout', exitCode: 143 });
  });

  it('gives up on a task that ignores the cancel after grace + slack: the step still times out', async () => {
    const h = new RunHarness([{ id: 'stuck', timeout: 1 }]);
    h.exec.stubborn = true;
    await h.start();
    await h.clock.advance(16_000);
    expect(h.exec.cancelled).toEqual(['run1.stuck.1']);
    await h.clock.advance(14_999);
    expect(h.step('stuck').status).toBe('running');
    await h.clock.advance(1);
    expect(await h.done).toBe('failed');
    expect(h.step('stuck')).toMatchObject({ status: 'timeout', error: 'the task is gone: did not stop after cancel' });
  });

  it('polls an executor without wait every statusPollMs', async () => {
    const exec = new ControlledExecutor([], 'ctl', { canWait: false });
    const h = new RunHarness([{ id: 'a' }], { executor: exec });
    await h.start();
    expect(h.clock.pending).toContain(250);
    exec.end('a');
    await h.clock.advance(250);
    expect(await h.done).toBe('success');
  });
});

describe('RunScheduler: cancel', () => {
  it('sees a cancel request another process wrote to the store within cancelPollMs', async () => {
    const h = new RunHarness([{ id: 'running' }, { id: 'next', needs: ['running'] }]);
    await h.start();
    h.store.runs.get('run1')!.cancelRequested = true;
    await h.clock.advance(299);
    expect(h.exec.cancelled).toEqual([]);
    await h.clock.advance(1);
    expect(await h.done).toBe('cancelled');
    expect(h.exec.cancelled).toEqual(['run1.running.1']);
    expect([h.step('running').status, h.step('next').status]).toEqual(['cancelled', 'cancelled']);
  });

  it('stops a task whose cancel came while it was being started', async () => {
    const h = new RunHarness([{ id: 'a' }]);
    const start = h.exec.start.bind(h.exec);
    h.exec.start = async (taskId) => {
      h.scheduler!.cancel();
      await start(taskId);
    };
    await h.start();
    expect(await h.done).toBe('cancelled');
    expect(h.exec.cancelled).toEqual(['run1.a.1']);
  });
});

describe('RunScheduler: writes before acts', () => {
  it('stores the running record before touching the executor, and the result before removing the task', async () => {
    const h = new RunHarness([{ id: 'a' }]);
    await h.start();
    h.exec.end('a');
    await h.done;
    expect(h.journal).toEqual([
      'updateRun status,enginePid,startedAt,endedAt,error',
      'updateStep a running',
      'addEvent a step.running',
      'addEvent a step.callback',
      'create run1.a.1',
      'start run1.a.1',
      'updateStep a success',
      'addEvent a step.success',
      'remove run1.a.1',
      'updateRun status,endedAt,enginePid',
      'addEvent run run.success',
    ]);
    expect(h.emitted.map((e) => `${e.type} ${e.status}`)).toEqual([
      'run running',
      'step running',
      'step success',
      'run success',
    ]);
  });

  it('starts the next step while the task before it is removed, and ends the run once every removal is done', async () => {
    const exec = new SlowRemoval();
    const h = new RunHarness([{ id: 'a' }, { id: 'b', needs: ['a'] }], { executor: exec });
    await h.start();
    exec.end('a');
    await settle();
    expect(h.step('a')).toMatchObject({ status: 'success' });
    expect(exec.running).toEqual(['b']);
    expect(exec.removing).toEqual(['run1.a.1']);
    exec.end('b');
    await settle();
    expect(h.step('b')).toMatchObject({ status: 'success' });
    expect((await h.store.getRun('run1'))?.status).toBe('running');
    exec.finishRemoval('run1.b.1');
    await settle();
    expect((await h.store.getRun('run1'))?.status).toBe('running');
    exec.finishRemoval('run1.a.1');
    expect(await h.done).toBe('success');
    expect(exec.journal.filter((e) => e.startsWith('remove'))).toEqual(['remove run1.b.1', 'remove run1.a.1']);
  });

  it('records an executor that cannot remove its task, a listener that throws and a failing hook, and goes on', async () => {
    const h = new RunHarness([{ id: 'a' }], {
      listener: (e) => {
        if (e.type === 'step' && e.status === 'running') throw new Error('listener broke');
      },
      hooks: [
        {
          afterStepEnd: () => {
            throw new Error('hook broke');
          },
        },
      ],
    });
    h.exec.removeError = new Error('disk gone');
    await h.start();
    h.exec.end('a');
    expect(await h.done).toBe('success');
    const failures = h.store.events
      .filter((e) => e.type.endsWith('.error'))
      .map((e) => [e.type, e.data.error, e.data.op ?? e.data.hook ?? e.data.event]);
    expect(failures).toEqual([
      ['listener.error', 'listener broke', 'step.running'],
      ['executor.error', 'disk gone', 'remove'],
      ['hook.error', 'hook broke', 'afterStepEnd'],
    ]);
  });

  it('masks secrets with the agent rules before anything is stored', async () => {
    const h = new RunHarness([{ id: 'leak' }], { secrets: { TOKEN: 's3cr3t-value' } });
    await h.start();
    const leaked = Buffer.from('s3cr3t-value').toString('hex');
    h.exec.end('leak', 1, {
      ...report('failed'),
      outputs: { hex: leaked },
      errors: [{ message: `auth failed for ${encodeURIComponent('s3cr3t-value')}`, kind: 'exit' }],
    });
    await h.done;
    expect(h.step('leak')).toMatchObject({ outputs: { hex: '***' }, error: 'auth failed for ***' });
    expect(JSON.stringify(h.store.events)).not.toContain(leaked);
  });
});
