/**
 * Issue 12, parts 2 and 3 on the process executor, with the real agent and real processes: nothing
 * an action starts outlives its step, cancel honours a SIGTERM handler and signals once, and
 * `caravan cancel` of a run without a live engine stops its tasks. Every wait is bounded polling.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinActionsDir, DefaultActionResolver } from '../src/actions/resolver.js';
import { cancelRun } from '../src/cancel-run.js';
import { Engine } from '../src/engine.js';
import { ExecutorRegistry } from '../src/executors/registry.js';
import { isAlive } from '@caravan/registry';
import { ProcessExecutor } from '../src/executors/process.js';
import type { TaskSpec } from '../src/executors/types.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import { agentBundle } from './helpers/agent.js';
import type { StepInput } from './helpers/pipeline.js';
import { makePipeline } from './helpers/pipeline.js';

let home: string;
let store: SqliteEngineStore;
let engine: Engine;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'caravan-cancel-proc-'));
  store = new SqliteEngineStore(join(home, 'engine.db'));
  // The built-in caravan/shell, and caravan/sh: the script run by /bin/sh with no wrapper between
  // the agent and the shell.
  const actions = join(home, 'actions');
  mkdirSync(join(actions, 'sh'), { recursive: true });
  symlinkSync(join(builtinActionsDir()!, 'shell'), join(actions, 'shell'));
  writeFileSync(
    join(actions, 'sh', 'action.yml'),
    [
      'name: caravan/sh',
      'version: 1.0.0',
      'description: Runs a script with /bin/sh, directly under the agent.',
      'inputs:',
      '  run: { type: string, required: true }',
      'runs:',
      '  command: /bin/sh',
      '  args: [-c, eval "$INPUT_RUN"]',
      '',
    ].join('\n'),
  );
  engine = await Engine.start({
    store,
    home,
    agentPath: agentBundle(),
    resolver: new DefaultActionResolver(actions),
    graceSeconds: 3,
    guardSlackSeconds: 2,
    cancelPollMs: 100,
  });
});
afterAll(async () => {
  await engine?.close();
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

const shell = (id: string, run: string): StepInput => ({ id, uses: 'caravan/shell@^1', with: { run } });
const sh = (id: string, run: string): StepInput => ({ id, uses: 'caravan/sh@^1', with: { run } });

/** Polls `check` every 50 ms, for at most 20 s. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The pids the action wrote, once it has written all of them. */
async function pidsIn(dir: string, names: string[]): Promise<number[]> {
  const read = (n: string) => (existsSync(join(dir, n)) ? readFileSync(join(dir, n), 'utf8').trim() : '');
  await until(`pid files ${names.join(', ')}`, () => names.every((n) => read(n) !== ''));
  return names.map((n) => Number(read(n)));
}

/** Starts a one-step run; the step's workspace and the run's end. */
async function start(step: StepInput) {
  const created = await engine.createRun({ pipeline: makePipeline([step]), source: '' });
  const done = engine.execute(created.id);
  return { id: created.id, done, dir: join(home, 'work', created.id, step.id) };
}

// A foreground `sleep 60` and one left in the background, each recording its pid.
const SLEEPS = 'echo $$ > sh.pid\nsleep 60 &\necho $! > bg.pid\nsleep 60 &\nfg=$!\necho $fg > fg.pid\nwait $fg';

// The handler counts the SIGTERMs it gets; `wait` returns once it has run, and a second SIGTERM
// during the final sleep would run it again.
const TRAP = [
  "trap 'echo term >> term.count; sleep 1; echo done > handler.done; exit 0' TERM",
  'echo $$ > sh.pid',
  'sleep 60 &',
  'wait $!',
  'sleep 60',
].join('\n');

describe('process executor: nothing outlives its step', () => {
  it('cancel of a run with sleep 60 under caravan/shell leaves no process', async () => {
    const r = await start(shell('long', SLEEPS));
    const pids = await pidsIn(r.dir, ['sh.pid', 'bg.pid', 'fg.pid']);
    expect(pids.every((p) => isAlive(p))).toBe(true);
    await store.updateRun(r.id, { cancelRequested: true });
    expect(await r.done).toBe('cancelled');
    expect((await store.getSteps(r.id))[0]?.status).toBe('cancelled');
    await until('the action processes to be gone', () => pids.every((p) => !isAlive(p)));
  });

  it.each([
    ['plain /bin/sh', sh],
    ['caravan/shell', shell],
  ])('a step with a SIGTERM handler under %s gets SIGTERM once, runs to its end, and is cancelled', async (_, as) => {
    const r = await start(as('trap', TRAP));
    await pidsIn(r.dir, ['sh.pid']);
    await store.updateRun(r.id, { cancelRequested: true });
    expect(await r.done).toBe('cancelled');
    expect((await store.getSteps(r.id))[0]?.status).toBe('cancelled');
    expect(readFileSync(join(r.dir, 'handler.done'), 'utf8').trim()).toBe('done');
    expect(readFileSync(join(r.dir, 'term.count'), 'utf8').trim().split('\n')).toEqual(['term']);
  });

  it('the action does not see where its agent records its process group', async () => {
    const r = await start(sh('env', 'test -z "$CARAVAN_AGENT_PGID_FILE"'));
    expect(await r.done).toBe('success');
  });

  it('kill -9 of a step agent: the action processes are gone and the step failed', async () => {
    const r = await start(shell('victim', SLEEPS));
    const pids = await pidsIn(r.dir, ['sh.pid', 'bg.pid', 'fg.pid']);
    const task = JSON.parse(readFileSync(join(home, 'tasks', `${r.id}.victim.1.task.json`), 'utf8')) as { pid: number };
    process.kill(task.pid, 'SIGKILL');
    expect(await r.done).toBe('failed');
    expect((await store.getSteps(r.id))[0]?.status).toBe('failed');
    await until('the action processes to be gone', () => pids.every((p) => !isAlive(p)));
  });
});

/** The agent's sentinel for action group `pgid` (a `sh` named caravan-sentinel in /proc). */
function sentinelOf(pgid: number): number | undefined {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv.includes('caravan-sentinel') && argv.includes(String(pgid))) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** SIGKILL to a task's agent and to its sentinel: nothing of the agent side is left to kill the action. */
async function killAgentAndSentinel(stateDir: string, taskId: string): Promise<void> {
  const task = JSON.parse(readFileSync(join(stateDir, `${taskId}.task.json`), 'utf8')) as { pid: number };
  const pgidFile = join(stateDir, `${taskId}.pgid`);
  await until('the pgid file', () => existsSync(pgidFile) && readFileSync(pgidFile, 'utf8').trim() !== '');
  // Between its fork and its exec the sentinel still shows Node's command line: poll.
  let sentinel: number | undefined;
  await until('the sentinel', () => (sentinel = sentinelOf(Number(readFileSync(pgidFile, 'utf8')))) !== undefined);
  process.kill(sentinel!, 'SIGKILL');
  process.kill(task.pid, 'SIGKILL');
}

describe('leftovers of a dead agent', () => {
  it('the engine kills what the action left after its agent and sentinel died, and records it', async () => {
    const r = await start(shell('orphaned', SLEEPS));
    const pids = await pidsIn(r.dir, ['sh.pid', 'bg.pid', 'fg.pid']);
    await killAgentAndSentinel(join(home, 'tasks'), `${r.id}.orphaned.1`);
    expect(await r.done).toBe('failed');
    await until('the action processes to be gone', () => pids.every((p) => !isAlive(p)));
    const leftovers = (await store.getEvents(r.id)).filter((e) => e.type === 'step.leftovers');
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]?.data.pids).toEqual(expect.arrayContaining([pids[1], pids[2]]));
  });

  it('an executor of a resumed engine kills what a dead attempt left behind', async () => {
    const stateDir = join(home, 'resume-tasks');
    const workspace = join(home, 'resume-ws');
    mkdirSync(workspace, { recursive: true });
    const dead = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    await dead.create(orphanTask('resume.a.1', workspace));
    await dead.start('resume.a.1');
    const pids = await pidsIn(workspace, ['sh.pid', 'bg.pid', 'fg.pid']);
    await killAgentAndSentinel(stateDir, 'resume.a.1');
    await dead.wait('resume.a.1');
    const resumed = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    expect((await resumed.reap('resume.a.1')).sort()).toEqual(expect.arrayContaining([pids[1], pids[2]]));
    await until('the action processes to be gone', () => pids.every((p) => !isAlive(p)));
    expect(await resumed.reap('resume.a.1')).toEqual([]);
    await resumed.remove('resume.a.1');
  });
});

function orphanTask(taskId: string, workspace: string, script = SLEEPS): TaskSpec {
  const [runId = '', stepId = ''] = taskId.split('.');
  return {
    taskId,
    runId,
    stepId,
    attempt: 1,
    command: ['/bin/sh', '-c', script],
    workspace,
    actionDir: workspace,
    context: { taskId, runId, stepId, secrets: {}, params: {}, env: {}, watch: [], files: [], graceSeconds: 30 },
  };
}

describe('process executor cancel', () => {
  it('sends SIGTERM once however often it is called; the agent keeps its grace period', async () => {
    const stateDir = join(home, 'once-tasks');
    const workspace = join(home, 'once-ws');
    mkdirSync(workspace, { recursive: true });
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle(), graceSeconds: 30 });
    await ex.create(orphanTask('once.a.1', workspace, TRAP));
    await ex.start('once.a.1');
    await pidsIn(workspace, ['sh.pid']);
    await ex.cancel('once.a.1');
    await ex.cancel('once.a.1');
    // another executor (a resumed engine, caravan cancel) does not signal it again either
    await new ProcessExecutor({ stateDir, agentPath: '' }).cancel('once.a.1');
    expect(await ex.wait('once.a.1')).toMatchObject({ phase: 'exited' });
    expect(readFileSync(join(workspace, 'handler.done'), 'utf8').trim()).toBe('done');
    expect(readFileSync(join(workspace, 'term.count'), 'utf8').trim().split('\n')).toEqual(['term']);
    expect((await ex.readReport('once.a.1'))?.status).toBe('cancelled');
    await ex.remove('once.a.1');
  });
});

describe('caravan cancel of a run with no live engine (process executor)', () => {
  it('stops its tasks and ends at once', async () => {
    const stateDir = join(home, 'orphan-tasks');
    const workspace = join(home, 'orphan-ws');
    mkdirSync(workspace, { recursive: true });
    // The dead engine's executor: it started the task, then "died" (nothing of it is used again).
    const dead = new ProcessExecutor({ stateDir, agentPath: agentBundle(), graceSeconds: 30 });
    const taskId = 'orphan.long.1';
    await dead.create(orphanTask(taskId, workspace));
    await dead.start(taskId);
    const pids = await pidsIn(workspace, ['sh.pid', 'bg.pid', 'fg.pid']);
    await store.createRun(
      {
        id: 'orphan',
        pipelineName: 'p',
        file: 'p.yml',
        source: '',
        pipeline: makePipeline([{ id: 'long' }, { id: 'next', needs: ['long'] }]),
        params: {},
        actions: {},
        secretNames: [],
        executor: 'process',
        concurrency: 1,
        status: 'running',
        cancelRequested: false,
        enginePid: 999_999_99,
        createdAt: 1,
      },
      [
        {
          runId: 'orphan',
          stepId: 'long',
          status: 'running',
          attempt: 1,
          taskId,
          executor: 'process',
          outputs: {},
          order: 0,
        },
        { runId: 'orphan', stepId: 'next', status: 'queued', attempt: 0, outputs: {}, order: 1 },
      ],
    );
    const executors = new ExecutorRegistry().add(new ProcessExecutor({ stateDir, agentPath: '' }));
    const r = await cancelRun(store, 'orphan', {}, { executors });
    expect(r.message).toMatch(/cancelled \(no engine was driving it\)/);
    expect((await store.getSteps('orphan')).map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    await until('the action processes to be gone', () => pids.every((p) => !isAlive(p)));
    expect(existsSync(join(stateDir, `${taskId}.context.json`))).toBe(false);
    await dead.wait(taskId);
  });
});
