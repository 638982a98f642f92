import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { containerName, createDockerExecutor, type DockerExecutor } from '../../src/executors/docker.js';
import type { ActionExecutor, TaskSpec, TaskState } from '../../src/executors/types.js';
import type { AgentReport } from '@caravan/spec';
import { startCallbackRecorder, type CallbackRecorder } from '../helpers/callback-recorder.js';
import { ensureBusyboxImage } from '../helpers/images.js';
import { portableAgentDir, usesAgentBundle, usesRealAgent } from '../helpers/portable-agent.js';

const runId = `dockertest-${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'caravan-docker-test-'));
const stateDir = join(scratch, 'state');
const SECRET = 'hunter2-very-secret-value';

/** Polls until a file exists (the container wrote it). */
async function fileAppears(path: string): Promise<void> {
  for (let i = 0; i < 1200 && !existsSync(path); i++) await sleep(100);
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
}

async function waitFor(executor: ActionExecutor, taskId: string, phases: TaskState['phase'][]): Promise<TaskState> {
  for (let i = 0; i < 1200; i++) {
    const state = await executor.status(taskId);
    if (phases.includes(state.phase)) return state;
    await sleep(100);
  }
  throw new Error(`task ${taskId} never reached ${phases.join('/')}`);
}

function makeTask(name: string, script: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  const taskId = `${runId}-${name}`;
  const workspace = join(scratch, name, 'workspace');
  const actionDir = join(scratch, name, 'action');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(actionDir, { recursive: true });
  // The container runs as root over a host folder: let it write there.
  chmodSync(workspace, 0o777);
  writeFileSync(join(actionDir, 'run.sh'), script);
  return {
    taskId,
    runId,
    stepId: name,
    attempt: 1,
    command: ['/bin/sh', join(actionDir, 'run.sh')],
    image: image(),
    workspace,
    actionDir,
    context: {
      taskId,
      runId,
      stepId: name,
      secrets: { API_TOKEN: SECRET },
      params: { name: 'caravan' },
      env: { CARAVAN_WORKSPACE: workspace, CARAVAN_STEP_ID: name },
      watch: [],
      files: [],
      workdir: workspace,
      callback: { url: `${recorder.url}/api/tasks/${taskId}`, token: `token-${name}` },
    },
    ...extra,
  };
}

let recorder: CallbackRecorder;
let executor: DockerExecutor;
let busybox = '';
const image = (): string => busybox;

describe.skipIf(!hasPodman)('docker executor through Podman', () => {
  beforeAll(async () => {
    busybox = ensureBusyboxImage();
    recorder = await startCallbackRecorder();
    executor = createDockerExecutor({
      dockerHost,
      agentDir: portableAgentDir(),
      graceSeconds: 3,
      reportFile: '.caravan/report.json',
      stateDir,
    });
  });

  afterAll(async () => {
    if (executor) {
      for (const container of await executor.api.listContainersByLabel(`caravan.run=${runId}`))
        await executor.api.removeContainer(container.Id);
      await executor.close();
    }
    await recorder?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a task under the agent: exit code, workspace files, outputs, report and callback', async () => {
    const task = makeTask(
      'hello',
      [
        'pwd > where.txt',
        'echo "hello from $INPUT_NAME" > hello.txt',
        'echo "$CARAVAN_WORKSPACE" > workspace-env.txt',
        'echo "greeting=hi $INPUT_NAME" >> "$CARAVAN_OUTPUT"',
        'test "$API_TOKEN" = "' + SECRET + '" && echo "secret=present" >> "$CARAVAN_OUTPUT"',
        'exit 0',
      ].join('\n'),
    );
    await executor.create(task);
    expect((await executor.status(task.taskId)).phase).toBe('created');
    await executor.start(task.taskId);
    const state = await waitFor(executor, task.taskId, ['exited']);
    expect(state).toMatchObject({ phase: 'exited', exitCode: 0 });

    expect(readFileSync(join(task.workspace, 'where.txt'), 'utf8').trim()).toBe('/workspace');
    expect(readFileSync(join(task.workspace, 'hello.txt'), 'utf8').trim()).toBe('hello from caravan');
    expect(readFileSync(join(task.workspace, 'workspace-env.txt'), 'utf8').trim()).toBe('/workspace');

    const report = JSON.parse(readFileSync(join(task.workspace, '.caravan/report.json'), 'utf8')) as AgentReport;
    expect(report).toMatchObject({ status: 'success', exitCode: 0 });
    expect(report.outputs).toMatchObject({ greeting: 'hi caravan', secret: 'present' });

    const posted = recorder.requests.filter((r) => r.url === `/api/tasks/${task.taskId}/report`);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.authorization).toBe('Bearer token-hello');
    expect((JSON.parse(posted[0]?.body ?? '{}') as AgentReport).outputs.greeting).toBe('hi caravan');

    // The daemon sees this host's folders: the agent and the context are bind-mounted, not copied.
    expect(await executor.agentDelivery(image())).toBe('bind');
    expect(readdirSync(stateDir)).toContain(`${containerName(task.taskId)}.context.json`);
    await executor.remove(task.taskId);
    expect(readdirSync(stateDir)).not.toContain(`${containerName(task.taskId)}.context.json`);
  });

  it('can copy the agent and the context into the container instead, and finishes an interrupted copy', async () => {
    const copying = createDockerExecutor({ dockerHost, agentDir: portableAgentDir(), agentDelivery: 'copy', stateDir });
    try {
      const task = makeTask('copy', 'echo "where=$(pwd)" >> "$CARAVAN_OUTPUT"\nexit 5');
      await copying.create(task);
      await copying.create(task);
      const [summary] = await copying.api.listContainersByLabel(`caravan.task=${task.taskId}`);
      const inspected = await copying.api.inspectContainer(summary?.Id ?? 'missing');
      expect((inspected?.Mounts ?? []).map((m) => m.Destination)).not.toContain('/caravan/agent');
      expect(await copying.api.pathExists(summary?.Id ?? 'missing', '/caravan/context.json')).toBe(true);
      await copying.start(task.taskId);
      expect(await copying.wait(task.taskId)).toMatchObject({ phase: 'exited', exitCode: 5 });
      expect(await copying.readReport(task.taskId)).toMatchObject({
        status: 'failed',
        exitCode: 5,
        outputs: { where: '/workspace' },
      });
      await copying.remove(task.taskId);
    } finally {
      await copying.close();
    }
  });

  it('copies the agent and the context when the daemon does not see the host folders (auto)', async () => {
    const remote = createDockerExecutor({ dockerHost, agentDir: portableAgentDir(), stateDir });
    // A daemon on another machine: the probe container shows nothing at the bind-mounted paths.
    remote.api.pathExists = async () => false;
    try {
      const task = makeTask('auto-copy', 'echo "ok=yes" >> "$CARAVAN_OUTPUT"');
      expect(await remote.agentDelivery(image())).toBe('copy');
      await remote.create(task);
      const [summary] = await remote.api.listContainersByLabel(`caravan.task=${task.taskId}`);
      const mounts = (await remote.api.inspectContainer(summary?.Id ?? 'missing'))?.Mounts ?? [];
      expect(mounts.map((m) => m.Destination)).not.toContain('/caravan/agent');
      expect(mounts.map((m) => m.Destination)).not.toContain('/caravan/context.json');
      await remote.start(task.taskId);
      expect(await remote.wait(task.taskId)).toMatchObject({ phase: 'exited', exitCode: 0 });
      expect(await remote.readReport(task.taskId)).toMatchObject({ outputs: { ok: 'yes' } });
      await remote.remove(task.taskId);
    } finally {
      await remote.close();
    }
  });

  it('asks a new image both questions (its own agent, the host folders) with one probe container', async () => {
    const fresh = createDockerExecutor({ dockerHost, agentDir: portableAgentDir(), stateDir });
    const created: string[] = [];
    const createContainer = fresh.api.createContainer.bind(fresh.api);
    fresh.api.createContainer = async (name, body) => {
      created.push(name);
      return createContainer(name, body);
    };
    try {
      const task = makeTask('one-probe', 'exit 0');
      await fresh.create(task);
      expect(created.filter((n) => n.startsWith('caravan-probe-'))).toHaveLength(1);
      expect(created.filter((n) => !n.startsWith('caravan-probe-'))).toEqual([containerName(task.taskId)]);
      expect(await fresh.agentDelivery(image())).toBe('bind');
      await fresh.start(task.taskId);
      expect(await fresh.wait(task.taskId)).toMatchObject({ phase: 'exited', exitCode: 0 });
      await fresh.remove(task.taskId);
      expect(readdirSync(stateDir).filter((f) => f.startsWith('probe-'))).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('never puts the task context (secrets) in the container configuration', async () => {
    const task = makeTask('secret-config', 'exit 0');
    await executor.create(task);
    const [summary] = await executor.api.listContainersByLabel(`caravan.task=${task.taskId}`);
    const inspected = JSON.stringify(await executor.api.inspectContainer(summary?.Id ?? 'missing'));
    expect(inspected).toContain('caravan-agent');
    expect(inspected).not.toContain(SECRET);
    await executor.remove(task.taskId);
  });

  it('reports a failing action with its exit code, through the blocking wait', async () => {
    const task = makeTask('fails', 'echo broken >&2\nexit 3');
    await executor.create(task);
    await executor.start(task.taskId);
    const state = await executor.wait(task.taskId);
    expect(state.exitCode).toBe(3);
    expect(state.message).toMatch(/exited with code 3/);
    expect(await executor.readReport(task.taskId)).toMatchObject({ status: 'failed', exitCode: 3 });
  });

  it("reads the agent's report from inside the container when no report file is configured", async () => {
    const plain = createDockerExecutor({ dockerHost, agentDir: portableAgentDir(), stateDir });
    try {
      const task = makeTask('report-inside', 'echo "answer=42" >> "$CARAVAN_OUTPUT"');
      await plain.create(task);
      expect(await plain.readReport(task.taskId)).toBeUndefined();
      await plain.start(task.taskId);
      expect(await plain.wait(task.taskId)).toMatchObject({ phase: 'exited', exitCode: 0 });
      const report = await plain.readReport(task.taskId);
      expect(report).toMatchObject({ status: 'success', outputs: { answer: '42' } });
      expect(await plain.readReport(`${runId}-no-such-task`)).toBeUndefined();
      expect(await plain.wait(`${runId}-no-such-task`)).toMatchObject({ phase: 'gone' });
    } finally {
      await plain.close();
    }
  });

  it.skipIf(!usesRealAgent() && !usesAgentBundle())(
    'masks secrets in what the container prints (real agent)',
    async () => {
      const task = makeTask('masked', 'echo "token=$API_TOKEN"');
      await executor.create(task);
      await executor.start(task.taskId);
      await executor.wait(task.taskId);
      const [summary] = await executor.api.listContainersByLabel(`caravan.task=${task.taskId}`);
      const logs = await executor.api.logsTail(summary?.Id ?? 'missing', 50);
      expect(logs).toContain('token=***');
      expect(logs).not.toContain(SECRET);
    },
  );

  it('creates one container when create is called twice, and start twice runs it once', async () => {
    const task = makeTask('idempotent', 'echo run >> runs.txt');
    await executor.create(task);
    await executor.create(task);
    expect(await executor.api.listContainersByLabel(`caravan.task=${task.taskId}`)).toHaveLength(1);
    await executor.start(task.taskId);
    await waitFor(executor, task.taskId, ['exited']);
    await executor.start(task.taskId);
    expect((await executor.status(task.taskId)).phase).toBe('exited');
    expect(readFileSync(join(task.workspace, 'runs.txt'), 'utf8')).toBe('run\n');
  });

  it('cancels a long-running task, and cancel is idempotent', async () => {
    const task = makeTask('cancel', 'sleep 300');
    await executor.create(task);
    await executor.start(task.taskId);
    await waitFor(executor, task.taskId, ['running']);
    await executor.cancel(task.taskId);
    const state = await waitFor(executor, task.taskId, ['exited']);
    expect(state.exitCode).not.toBe(0);
    await executor.cancel(task.taskId);
    await executor.cancel(`${runId}-never-created`);
  });

  it('cancels with SIGTERM that the action sees, honours its grace period, and is not held up by a wait', async () => {
    const task = makeTask(
      'cancel-graceful',
      [
        // On SIGTERM: a marker at once, then work that takes a while, then a second marker.
        "trap 'echo term > term.txt; sleep 1; echo graceful > graceful.txt; exit 1' TERM",
        'echo ready > ready.txt',
        'while :; do sleep 0.1; done',
      ].join('\n'),
    );
    await executor.create(task);
    await executor.start(task.taskId);
    // The blocking wait is under way, on its own connection: cancel must not queue behind it.
    const waiting = executor.wait(task.taskId);
    await fileAppears(join(task.workspace, 'ready.txt'));
    expect((await executor.status(task.taskId)).phase).toBe('running');
    await executor.cancel(task.taskId);
    // The engine cancels twice (once for the run, once for the attempt): a second SIGTERM would
    // make the agent kill the action at once.
    await executor.cancel(task.taskId);
    expect(await waiting).toMatchObject({ phase: 'exited' });
    expect(readFileSync(join(task.workspace, 'term.txt'), 'utf8').trim()).toBe('term');
    expect(readFileSync(join(task.workspace, 'graceful.txt'), 'utf8').trim()).toBe('graceful');
    await executor.remove(task.taskId);
    expect((await executor.status(task.taskId)).phase).toBe('gone');
    expect(await executor.api.listContainersByLabel(`caravan.task=${task.taskId}`)).toEqual([]);
  });

  it('kills the container when the agent itself ignores SIGTERM, once the grace period is over', async () => {
    const stubbornAgent = join(scratch, 'stubborn-agent');
    mkdirSync(stubbornAgent, { recursive: true });
    writeFileSync(
      join(stubbornAgent, 'caravan-agent'),
      "#!/bin/sh\ntrap '' TERM\necho ready > /workspace/ready.txt\nwhile :; do sleep 0.1; done\n",
      { mode: 0o755 },
    );
    const stubborn = createDockerExecutor({ dockerHost, agentDir: stubbornAgent, stateDir, graceSeconds: 1 });
    try {
      const task = makeTask('cancel-stubborn', 'exit 0');
      await stubborn.create(task);
      await stubborn.start(task.taskId);
      await fileAppears(join(task.workspace, 'ready.txt'));
      await stubborn.cancel(task.taskId);
      // SIGKILL, from the executor: nothing inside the container could stop it.
      expect(await stubborn.wait(task.taskId)).toMatchObject({ phase: 'exited', exitCode: 137 });
      await stubborn.remove(task.taskId);
      expect(await stubborn.api.listContainersByLabel(`caravan.task=${task.taskId}`)).toEqual([]);
    } finally {
      await stubborn.close();
    }
  });

  it('cancels a created but never started task so that it cannot run', async () => {
    const task = makeTask('cancel-created', 'echo ran > ran.txt');
    await executor.create(task);
    await executor.cancel(task.taskId);
    expect((await executor.status(task.taskId)).phase).toBe('gone');
    // The engine may still call start (the cancel came between create and start): nothing runs.
    await executor.start(task.taskId);
    expect(await executor.wait(task.taskId)).toMatchObject({ phase: 'gone' });
    expect(existsSync(join(task.workspace, 'ran.txt'))).toBe(false);
    await executor.remove(task.taskId);
    await expect(executor.start(task.taskId)).rejects.toThrow(/no container to start; call create first/);
  });

  it('runs tasks side by side: a short one ends while a long one waits for it', async () => {
    const long = makeTask('parallel-long', 'while [ ! -f go.txt ]; do sleep 0.1; done\necho long > long.txt');
    const short = makeTask('parallel-short', 'echo short > short.txt');
    await executor.create(long);
    await executor.start(long.taskId);
    const longDone = executor.wait(long.taskId);
    await executor.create(short);
    await executor.start(short.taskId);
    expect(await executor.wait(short.taskId)).toMatchObject({ phase: 'exited', exitCode: 0 });
    expect((await executor.status(long.taskId)).phase).toBe('running');
    writeFileSync(join(long.workspace, 'go.txt'), 'go');
    expect(await longDone).toMatchObject({ phase: 'exited', exitCode: 0 });
    expect(readFileSync(join(long.workspace, 'long.txt'), 'utf8').trim()).toBe('long');
  });

  it('says clearly when the image is not present locally', async () => {
    const task = makeTask('no-image', 'exit 0', { image: 'localhost/caravan-does-not-exist:1' });
    await expect(executor.create(task)).rejects.toThrow(
      /image localhost\/caravan-does-not-exist:1 not found locally; build or pull it first/,
    );
    expect((await executor.status(task.taskId)).phase).toBe('gone');
  });

  it('finds, waits for, reads and removes a task another executor started (an engine restart)', async () => {
    const task = makeTask(
      'reattach',
      'while [ ! -f go.txt ]; do sleep 0.1; done\necho "done=yes" >> "$CARAVAN_OUTPUT"',
    );
    await executor.create(task);
    await executor.start(task.taskId);
    const restarted = createDockerExecutor({
      dockerHost,
      agentDir: portableAgentDir(),
      stateDir,
      reportFile: '.caravan/report.json',
    });
    try {
      expect((await restarted.status(task.taskId)).phase).toBe('running');
      const done = restarted.wait(task.taskId);
      writeFileSync(join(task.workspace, 'go.txt'), 'go');
      expect(await done).toMatchObject({ phase: 'exited', exitCode: 0 });
      expect(await restarted.readReport(task.taskId)).toMatchObject({ status: 'success', outputs: { done: 'yes' } });
      await restarted.remove(task.taskId);
      expect((await executor.status(task.taskId)).phase).toBe('gone');
      expect(readdirSync(stateDir)).not.toContain(`${containerName(task.taskId)}.context.json`);
    } finally {
      await restarted.close();
    }
  });

  it('removes the container, and removing a missing one is fine', async () => {
    const task = makeTask('remove', 'exit 0');
    await executor.create(task);
    await executor.start(task.taskId);
    await waitFor(executor, task.taskId, ['exited']);
    await executor.remove(task.taskId);
    expect((await executor.status(task.taskId)).phase).toBe('gone');
    await executor.remove(task.taskId);
  });

  it('keeps the last output lines when the agent cannot start', async () => {
    const brokenAgent = join(scratch, 'broken-agent');
    mkdirSync(brokenAgent, { recursive: true });
    writeFileSync(
      join(brokenAgent, 'caravan-agent'),
      '#!/bin/sh\necho "caravan-agent: loader lib/ld-linux.so missing" >&2\nexit 127\n',
      {
        mode: 0o755,
      },
    );
    const broken = createDockerExecutor({ dockerHost, agentDir: brokenAgent, stateDir });
    try {
      const task = makeTask('broken-agent', 'exit 0');
      await broken.create(task);
      await broken.start(task.taskId);
      const state = await waitFor(broken, task.taskId, ['exited']);
      expect(state.exitCode).toBe(127);
      expect(state.message).toMatch(/could not start/);
      expect(state.message).toContain('loader lib/ld-linux.so missing');
    } finally {
      await broken.close();
    }
  });

  it('refuses to adopt a foreign container that holds the task name', async () => {
    const task = makeTask('foreign', 'exit 0');
    const id = await executor.api.createContainer(containerName(task.taskId), {
      Image: image(),
      Cmd: ['true'],
      Labels: { 'caravan.run': runId },
    });
    expect(id).toBeTruthy();
    await expect(executor.create(task)).rejects.toThrow(/exists but is not labelled caravan.task=.*; remove it/);
    await executor.api.removeContainer(id ?? '');
  });

  it('refuses a workspace that does not exist on the host', async () => {
    const task = makeTask('no-workspace', 'exit 0');
    await expect(executor.create({ ...task, workspace: join(scratch, 'nowhere') })).rejects.toThrow(
      /workspace .* does not exist on the host/,
    );
  });
});

describe('docker executor without a reachable engine', () => {
  it('names the address and how to fix it when the socket is missing', async () => {
    const executor = createDockerExecutor({ dockerHost: 'unix:///tmp/caravan-no-such-docker.sock' });
    try {
      await expect(executor.status('t1')).rejects.toThrow(
        /cannot reach the Docker API at unix:\/\/\/tmp\/caravan-no-such-docker.sock.*DOCKER_HOST/,
      );
    } finally {
      await executor.close();
    }
  });

  it('rejects a DOCKER_HOST it cannot use', () => {
    expect(() => createDockerExecutor({ dockerHost: 'ssh://build@host' })).toThrow(
      /DOCKER_HOST "ssh:\/\/build@host" is not supported/,
    );
    expect(() => createDockerExecutor({ dockerHost: 'unix://relative.sock' })).toThrow(
      /unix:\/\/\/absolute\/path.sock/,
    );
  });
});
