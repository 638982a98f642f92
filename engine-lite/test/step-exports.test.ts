/** What a step exports ($GITHUB_ENV, $GITHUB_PATH, state, summary) reaches the steps after it, even across a crash. */
import { describe, expect, it } from 'vitest';
import { report } from './helpers/controlled-executor.js';
import { RunHarness } from './helpers/run-harness.js';

const exported = report('success', {
  exportedEnv: { GREETED: 'yes' },
  addedPath: ['/opt/x'],
  state: { pid: '42' },
  summary: '## Hello',
});

const contextOf = (h: RunHarness, taskId: string) => h.exec.tasks.get(taskId)?.spec?.context;

describe('step exports through the scheduler', () => {
  it('records them just before the result, and gives them to the step that needs it', async () => {
    const h = new RunHarness([{ id: 'a' }, { id: 'b', needs: ['a'] }, { id: 'c' }]);
    await h.start();
    expect(contextOf(h, 'run1.c.1')?.prependPath).toBeUndefined();
    h.exec.end('a', 0, exported);
    await h.clock.advance(0);
    expect(h.journal).toEqual(
      expect.arrayContaining(['addEvent a step.exports', 'addEvent a step.summary', 'updateStep a success']),
    );
    expect(h.events('a').slice(-3)).toEqual(['step.exports', 'step.summary', 'step.success']);
    expect(h.store.events.find((e) => e.type === 'step.exports')?.data).toEqual({
      taskId: 'run1.a.1',
      env: { GREETED: 'yes' },
      path: ['/opt/x'],
      state: { pid: '42' },
    });
    expect(contextOf(h, 'run1.b.1')).toMatchObject({ env: { GREETED: 'yes' }, prependPath: ['/opt/x'] });
    expect(contextOf(h, 'run1.c.1')?.env).not.toHaveProperty('GREETED');
    h.exec.end('b');
    h.exec.end('c');
    expect(await h.done).toBe('success');
  });

  it('takes them from the report file of a task that ended while no engine ran', async () => {
    const h = new RunHarness([{ id: 'a' }, { id: 'b', needs: ['a'] }], {
      records: { a: { status: 'running', attempt: 1, taskId: 'run1.a.1', executor: 'ctl' } },
      run: { status: 'running' },
    });
    h.exec.seed('run1.a.1', 'a', 'exited', exported);
    await h.start();
    expect(h.step('a').status).toBe('success');
    expect(contextOf(h, 'run1.b.1')).toMatchObject({ env: { GREETED: 'yes' }, prependPath: ['/opt/x'] });
  });

  it('reads back, on resume, what a stopped engine recorded for a finished step', async () => {
    const h = new RunHarness([{ id: 'a' }, { id: 'b', needs: ['a'] }], {
      records: { a: { status: 'success', attempt: 1, taskId: 'run1.a.1', executor: 'ctl' } },
      run: { status: 'running' },
    });
    await h.store.addEvent({
      runId: 'run1',
      stepId: 'a',
      type: 'step.exports',
      data: { taskId: 'run1.a.1', env: { GREETED: 'again' }, path: ['/opt/y'] },
      ts: 1,
    });
    await h.start();
    expect(contextOf(h, 'run1.b.1')).toMatchObject({ env: { GREETED: 'again' }, prependPath: ['/opt/y'] });
  });
});
