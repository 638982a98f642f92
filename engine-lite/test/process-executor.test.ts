import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '@caravan/registry';
import { ProcessExecutor } from '../src/executors/process.js';
import type { TaskSpec } from '../src/executors/types.js';
import { agentBundle } from './helpers/agent.js';

const dir = mkdtempSync(join(tmpdir(), 'caravan-procexec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stateDir = join(dir, 'tasks');

function task(taskId: string, command: string[], extra: Partial<TaskSpec['context']> = {}): TaskSpec {
  const workspace = join(dir, 'ws', taskId);
  return {
    taskId,
    runId: 'r',
    stepId: taskId,
    attempt: 1,
    command,
    workspace,
    actionDir: dir,
    context: { secrets: {}, params: {}, env: {}, watch: [], files: [], ...extra },
  };
}

describe('process executor', () => {
  it('runs the agent, is idempotent, and reports the exit and the agent report', async () => {
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    const t = task('ok', ['sh', '-c', 'echo "v=7" >> "$CARAVAN_OUTPUT"; exit 3']);
    await ex.create(t);
    await ex.create(t);
    await ex.start('ok');
    await ex.start('ok');
    const state = await ex.wait('ok');
    expect(state).toMatchObject({ phase: 'exited', exitCode: 3 });
    expect(await ex.status('ok')).toMatchObject({ phase: 'exited', exitCode: 3 });
    expect((await ex.readReport('ok'))?.outputs).toEqual({ v: '7' });
    await ex.remove('ok');
    await ex.remove('ok');
    expect(await ex.status('ok')).toMatchObject({ phase: 'gone' });
  });

  it('lets a restarted engine see a running task, cancel its process group, and read its end', async () => {
    const first = new ProcessExecutor({ stateDir, agentPath: agentBundle(), graceSeconds: 1 });
    await first.create(task('long', ['sh', '-c', 'sleep 30 & echo $! > child; wait']));
    await first.start('long');
    const state = JSON.parse(readFileSync(join(stateDir, 'long.task.json'), 'utf8')) as {
      pid: number;
      startTicks: number;
    };
    expect(state.startTicks).toBeGreaterThan(0);
    // A second executor over the same state directory: what a resumed engine has.
    const second = new ProcessExecutor({ stateDir, agentPath: agentBundle(), graceSeconds: 1 });
    expect(await second.status('long')).toEqual({ phase: 'running' });
    const childFile = join(dir, 'ws', 'long', 'child');
    while (!readFileSafe(childFile)) await new Promise((r) => setTimeout(r, 50));
    const grandchild = Number(readFileSafe(childFile));
    await second.cancel('long');
    const end = await second.wait('long');
    expect(end.phase).toBe('exited');
    expect(isAlive(state.pid, state.startTicks)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    await first.wait('long');
    await second.remove('long');
  });

  it('says created for a task a dead engine made but never started, and a new engine can start it', async () => {
    const first = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    await first.create(task('unstarted', ['true']));
    const second = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    expect(await second.status('unstarted')).toEqual({ phase: 'created' });
    await second.start('unstarted');
    expect(await second.wait('unstarted')).toMatchObject({ phase: 'exited', exitCode: 0 });
    await second.remove('unstarted');
  });

  it('says gone for a recorded pid that no longer runs and left no report', async () => {
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    await ex.create(task('ghost', ['true']));
    const file = join(stateDir, 'ghost.task.json');
    const t = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // pid 1 exists but with another start time: a reused pid must not count as our task
    writeFileSync(file, JSON.stringify({ ...t, pid: 1, startTicks: 123456789 }));
    expect((await new ProcessExecutor({ stateDir, agentPath: agentBundle() }).status('ghost')).phase).toBe('gone');
  });

  it('fails clearly when the agent cannot start', async () => {
    const ex = new ProcessExecutor({ stateDir, agentPath: join(dir, 'no-such-agent.cjs') });
    await ex.create(task('noagent', ['true']));
    await ex.start('noagent');
    const s = await ex.wait('noagent');
    expect(s.phase).toBe('exited');
    expect(s.exitCode).not.toBe(0);
    expect(s.message).toMatch(/Cannot find module|no-such-agent/);
  });

  it('writes the task context (it holds secrets) readable by its owner only, and removes it', async () => {
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    await ex.create(task('secret', ['true'], { secrets: { K: 'v' } }));
    const path = join(stateDir, 'secret.context.json');
    const { statSync, existsSync } = await import('node:fs');
    expect(statSync(path).mode & 0o077).toBe(0);
    await ex.remove('secret');
    expect(existsSync(path)).toBe(false);
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
