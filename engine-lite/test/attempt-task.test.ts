/** AttemptTask: the executor side of one attempt, on a fake clock. */
import { describe, expect, it } from 'vitest';
import { AttemptTask } from '../src/attempt-task.js';
import { TaskOutputRefused } from '../src/executors/types.js';
import { retryDueAt } from '../src/retry.js';
import { ControlledExecutor, report } from './helpers/controlled-executor.js';
import { FakeClock, settle } from './helpers/fake-clock.js';

function task(exec = new ControlledExecutor(), reports: Record<string, ReturnType<typeof report>> = {}) {
  const clock = new FakeClock();
  const errors: string[] = [];
  const deps = {
    clock,
    graceSeconds: 2,
    guardSlackSeconds: 1,
    statusPollMs: 100,
    takeReport: (id: string) => reports[id],
  };
  const t = new AttemptTask(
    deps,
    exec,
    't1',
    async (op, id, err) => void errors.push(`${op} ${id}: ${(err as Error).message}`),
  );
  exec.seed('t1', 's', 'running');
  return { t, exec, clock, errors };
}

describe('AttemptTask', () => {
  it('waits for the exit; the report sent to the callback API wins over the one the executor kept', async () => {
    const { t, exec } = task(new ControlledExecutor(), { t1: report('success', { outputs: { via: 'callback' } }) });
    const state = t.wait(30);
    exec.end('s', 0, report('success', { outputs: { via: 'file' } }));
    expect(await state).toEqual({ phase: 'exited', exitCode: 0 });
    expect(await t.result(await state)).toMatchObject({ status: 'success', outputs: { via: 'callback' } });
  });

  it('falls back to the exit code when no report can be read, and logs why', async () => {
    const exec = new ControlledExecutor();
    exec.readReport = async () => {
      throw new Error('report file is not JSON');
    };
    const { t, errors } = task(exec);
    const state = t.wait();
    exec.end('s', 7, null);
    expect(await t.result(await state)).toMatchObject({ status: 'failed', exitCode: 7 });
    expect(errors).toEqual(['readReport t1: report file is not JSON']);
  });

  it('fails a task whose report was refused (the action tampered with it), though it exited 0', async () => {
    const exec = new ControlledExecutor();
    const refusal = "task t1: the agent's report is larger than 16 MiB";
    exec.readReport = async () => {
      throw new TaskOutputRefused(refusal);
    };
    const { t, errors } = task(exec);
    const state = t.wait();
    exec.end('s', 0, null);
    expect(await t.result(await state)).toEqual({ status: 'failed', exitCode: 0, outputs: {}, error: refusal });
    expect(errors).toEqual([`readReport t1: ${refusal}`]);
  });

  it('cancels at timeout + grace + slack, and takes a task that outlives grace + slack as gone', async () => {
    const { t, exec, clock } = task();
    exec.stubborn = true;
    let state: unknown;
    void t.wait(4).then((s) => (state = s));
    await clock.advance(6_999);
    expect(exec.cancelled).toEqual([]);
    await clock.advance(1);
    expect(exec.cancelled).toEqual(['t1']);
    await clock.advance(2_999);
    expect(state).toBeUndefined();
    await clock.advance(1);
    expect(state).toEqual({ phase: 'gone', message: 'did not stop after cancel' });
    expect(t.timedOut).toBe(true);
    expect(clock.pending).toEqual([]);
  });

  it('a cancel before the wait begins stops the task as soon as it is waited for', async () => {
    const { t, exec } = task();
    t.cancel();
    const state = await t.wait();
    expect(exec.cancelled).toEqual(['t1']);
    expect(state).toEqual({ phase: 'exited', exitCode: 143 });
    expect((await t.result(state)).status).toBe('cancelled');
  });

  it('polls an executor without wait at its interval, and logs a failed remove', async () => {
    const exec = new ControlledExecutor([], 'ctl', { canWait: false });
    const { t, clock, errors } = task(exec);
    let state: unknown;
    void t.wait().then((s) => (state = s));
    await settle();
    exec.end('s', 0);
    await clock.advance(99);
    expect(state).toBeUndefined();
    await clock.advance(1);
    expect(state).toEqual({ phase: 'exited', exitCode: 0 });
    exec.removeError = new Error('EBUSY');
    await t.remove();
    expect(errors).toEqual(['remove t1: EBUSY']);
  });

  it('cancel called again, from the run and from the wait, reaches the executor once per attempt', async () => {
    const { t, exec } = task();
    exec.stubborn = true;
    t.cancel();
    void t.wait();
    await settle();
    t.cancel();
    t.cancel();
    await settle();
    expect(exec.cancelled).toEqual(['t1']);
  });

  it('kills what the task left behind before removing it, and hands the pids on', async () => {
    const exec = new ControlledExecutor();
    const order: string[] = [];
    Object.assign(exec, {
      reap: async (id: string) => {
        order.push(`reap ${id}`);
        return [41, 42];
      },
    });
    const remove = exec.remove.bind(exec);
    exec.remove = async (id: string) => {
      order.push(`remove ${id}`);
      return remove(id);
    };
    const clock = new FakeClock();
    const deps = { clock, graceSeconds: 2, guardSlackSeconds: 1, statusPollMs: 100, takeReport: () => undefined };
    const left: string[] = [];
    const t = new AttemptTask(
      deps,
      exec,
      't1',
      async () => undefined,
      async (id, pids) => void left.push(`${id}: ${pids.join(',')}`),
    );
    exec.seed('t1', 's', 'running');
    await t.remove();
    expect(order).toEqual(['reap t1', 'remove t1']);
    expect(left).toEqual(['t1: 41,42']);
  });
});

describe('retryDueAt', () => {
  const policy = { count: 2, backoffSeconds: 4, factor: 2, maxSeconds: 6 };
  it('is backoff × factor^(n-1) after the end, capped, while attempts are left', () => {
    expect(retryDueAt(policy, 1, { status: 'failed' }, false, 1000)).toBe(5000);
    expect(retryDueAt(policy, 2, { status: 'lost' }, false, 1000)).toBe(7000);
    expect(retryDueAt(policy, 3, { status: 'failed' }, false, 1000)).toBeUndefined();
  });
  it('is undefined for a success, a deterministic failure, a cancelled run or no policy', () => {
    expect(retryDueAt(policy, 1, { status: 'success' }, false, 0)).toBeUndefined();
    expect(retryDueAt(policy, 1, { status: 'error', noRetry: true }, false, 0)).toBeUndefined();
    expect(retryDueAt(policy, 1, { status: 'failed' }, true, 0)).toBeUndefined();
    expect(retryDueAt(undefined, 1, { status: 'failed' }, false, 0)).toBeUndefined();
  });
});
