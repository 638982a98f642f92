/**
 * The attempt protocol on the docker executor (docs/engine.md, "One attempt, on disk and in the
 * store"), with real containers on Podman: the engine is stopped in each window between two of its
 * own writes or steps, then a fresh engine resumes the run on the same store and state folder. In
 * every window a succeeded step never runs again, nothing is marked lost when nothing was lost,
 * outputs and files reach the next step, every log line the agent printed while no engine listened
 * reaches the step's log (masked, in order), and no container or task folder is left. On SQLite
 * and PostgreSQL.
 */
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
import { afterAll, describe, expect, it } from 'vitest';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { builtinActionsDir, DefaultActionResolver } from '../../src/actions/resolver.js';
import { Engine } from '../../src/engine.js';
import { containerName, DockerExecutor, type DockerExecutorOptions } from '../../src/executors/docker.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { EngineStore } from '../../src/store/types.js';
import { CrashSwitch, crashingStore } from '../helpers/crash.js';
import { type CrashStoreKind, crashStores, isEvent, isStep } from '../helpers/crash-stores.js';
import { CrashingDockerExecutor, type DockerCrashPoint } from '../helpers/crash-docker.js';
import { ensureNodeImage } from '../helpers/images.js';
import { makePipeline } from '../helpers/pipeline.js';
import { describeStalledRun } from '../helpers/stalled-task.js';
import { portableAgentDir } from '../helpers/portable-agent.js';

const SECRET = 'spooled-SECRET-4711-value';

const stores = crashStores('engine_dcrash');

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

const firstLogsOf = (stepId: string) => (method: string, args: unknown[]) =>
  method === 'appendLogs' && args[1] === stepId;

interface Window {
  name: string;
  /** A store write that does not happen, or a point in the executor (on the `make` step). */
  write?: (method: string, args: unknown[]) => boolean;
  executor?: DockerCrashPoint;
  /**
   * The `make` step's action waits between its log lines until the test lets it go: once the
   * engine is dead (the test then waits for the container's end before resuming), or once the
   * resumed engine has re-attached to it.
   */
  gate?: 'after-crash' | 'after-reattach';
  /** How recovery found make: the event it records. */
  expectEvent?: string;
  /** Delivery of the agent and context (default auto: bind on this machine). */
  delivery?: 'copy';
}

const WINDOWS: Window[] = [
  { name: '1 recorded running, no task folder', write: isEvent('make', 'step.callback'), expectEvent: 'step.requeued' },
  { name: '2 task folder made, container not created', executor: 'task-dir-made', expectEvent: 'step.requeued' },
  { name: '3 container created, not marked starting', executor: 'created', expectEvent: 'step.requeued' },
  { name: '4 marked starting, container not started', executor: 'starting', expectEvent: 'step.requeued' },
  {
    name: '5 container running, engine gone: the agent spools, then delivers to the resumed engine',
    write: firstLogsOf('make'),
    gate: 'after-reattach',
    expectEvent: 'step.reattached',
  },
  {
    name: '6 container ended while no engine listened: its spool is taken from the bound task folder',
    write: firstLogsOf('make'),
    gate: 'after-crash',
  },
  {
    name: '6c the same with the agent copied in: the spool is copied out of the container',
    write: firstLogsOf('make'),
    gate: 'after-crash',
    delivery: 'copy',
  },
  { name: '7 agent ended (report written), result not stored', write: isStep('make', 'success') },
  { name: '8 result stored, container not removed', executor: 'before-remove' },
  { name: '9 task removed, next step not recorded', write: isStep('use', 'running') },
];

async function waitFor(check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function setUp(kind: CrashStoreKind, w: Window) {
  const home = mkdtempSync(join(tmpdir(), 'caravan-dcrash-'));
  homes.push(home);
  const markers = join(home, 'markers');
  mkdirSync(markers);
  chmodSync(markers, 0o777);
  const stateDir = join(home, 'docker-state');
  const dockerOpts: DockerExecutorOptions = {
    dockerHost,
    agentDir: portableAgentDir(),
    defaultImage: ensureNodeImage(),
    graceSeconds: 1,
    stateDir,
    binds: [`${markers}:${markers}`],
    ...(w.delivery ? { agentDelivery: w.delivery } : {}),
  };
  const engineOpts = (store: EngineStore, docker: DockerExecutor) => ({
    store,
    home,
    resolver: new DefaultActionResolver(builtinActionsDir()),
    secrets: { API_TOKEN: SECRET },
    graceSeconds: 1,
    guardSlackSeconds: 2,
    cancelPollMs: 100,
    executors: new ExecutorRegistry().add(docker),
  });
  return { home, markers, stateDir, dockerOpts, engineOpts };
}

const makeScript = (markers: string, gate: boolean) =>
  [
    `echo run >> ${markers}/make`,
    'echo before-the-crash',
    ...(gate ? [`while [ ! -e ${markers}/go ]; do sleep 0.05; done`] : []),
    'for i in 1 2 3 4 5; do echo "spooled line $i"; done',
    'echo "the token is $API_TOKEN"',
    'mkdir -p out && echo payload > out/f.txt',
    'echo "v=42" >> "$CARAVAN_OUTPUT"',
  ].join('\n');

/**
 * Waits for the old engine to die at its crash point (or to end). A run that stalls before it fails
 * after 60 s with its containers' state (this is how a line held back by the masker while the
 * action waited at its gate was found: agent/test/held-line.test.ts), and its containers are removed.
 */
async function untilCrashed(
  sw: CrashSwitch,
  first: Promise<unknown>,
  docker: DockerExecutor,
  store: EngineStore,
  runId: string,
  markers: string,
): Promise<void> {
  const reached = await Promise.race([
    sw.died().then(() => true),
    first.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 60_000)),
  ]);
  if (reached) return;
  const state = await describeStalledRun(docker.api, dockerHost, store, runId);
  for (const c of await docker.api.listContainersByLabel(`caravan.run=${runId}`))
    await docker.api.removeContainer(c.Id);
  throw new Error(`the crash point was not reached within 60 s (markers: ${readdirSync(markers).join(',')})\n${state}`);
}

async function crashAndResume(kind: CrashStoreKind, w: Window): Promise<void> {
  const { home, markers, stateDir, dockerOpts, engineOpts } = setUp(kind, w);
  const { store, drop } = await kind.open(home);
  const sw = new CrashSwitch(w.write ? { write: w.write } : { write: () => false });
  const oldDocker = new CrashingDockerExecutor(
    dockerOpts,
    sw,
    w.executor ? { executor: w.executor, stepId: 'make' } : undefined,
  );
  const docker = new DockerExecutor(dockerOpts);
  try {
    const old = await Engine.start(engineOpts(crashingStore(store, sw), oldDocker));
    const pipeline = makePipeline(
      [
        {
          id: 'make',
          uses: 'caravan/shell@^1',
          with: { run: makeScript(markers, w.gate !== undefined) },
          files: [{ name: 'f', path: 'out/f.txt' }],
        },
        {
          id: 'use',
          uses: 'caravan/shell@^1',
          needs: ['make'],
          with: {
            run: [
              `echo run >> ${markers}/use`,
              'test "$(cat "${{ steps.make.files.f }}")" = payload',
              'echo "got=${{ steps.make.outputs.v }}" >> "$CARAVAN_OUTPUT"',
            ].join('\n'),
          },
        },
      ],
      { secrets: ['API_TOKEN'] },
    );
    const run = await old.createRun({ pipeline, source: '', executor: 'docker' });
    const first = old.execute(run.id).then(
      (s) => `ended ${s}`,
      (e: Error) => e.message,
    );
    await untilCrashed(sw, first, docker, store, run.id, markers);
    expect(sw.dead, `the crash point was never reached: ${await Promise.race([first, 'still running'])}`).toBe(true);
    // The engine is dead: its callback API no longer answers (its containers keep running).
    await old.callback.close();
    const makeTask = `${run.id}.make.1`;
    if (w.gate === 'after-crash') {
      writeFileSync(join(markers, 'go'), '');
      await waitFor(async () => (await docker.status(makeTask)).phase === 'exited');
    }
    // A dead engine whose container is held at the gate still waits for it; it writes nothing more.
    if (w.gate !== 'after-reattach') await first;

    const fresh = await Engine.start(engineOpts(store, docker));
    try {
      const resumed = fresh.resume(run.id);
      if (w.gate === 'after-reattach') {
        await waitFor(async () => (await store.getEvents(run.id)).some((e) => e.type === 'step.reattached'));
        writeFileSync(join(markers, 'go'), '');
      }
      expect(await resumed).toBe('success');
      await first;
    } finally {
      await fresh.close();
    }
    const steps = Object.fromEntries((await store.getSteps(run.id)).map((s) => [s.stepId, s]));
    expect(steps.make).toMatchObject({ status: 'success', attempt: 1, outputs: { v: '42' } });
    expect(steps.use).toMatchObject({ status: 'success', attempt: 1, outputs: { got: '42' } });
    // Each action ran exactly once.
    expect(readFileSync(join(markers, 'make'), 'utf8')).toBe('run\n');
    expect(readFileSync(join(markers, 'use'), 'utf8')).toBe('run\n');
    const events = await store.getEvents(run.id);
    const types = events.map((e) => e.type);
    expect(types).not.toContain('step.lost');
    expect(types).not.toContain('step.error');
    if (w.expectEvent) expect(events.filter((e) => e.stepId === 'make').map((e) => e.type)).toContain(w.expectEvent);
    expect((await store.getFiles(run.id)).map((f) => `${f.stepId}/${f.name}`)).toEqual(['make/f']);
    // Every line, in order, masked: also those printed while no engine listened.
    const logs = (await store.getLogs(run.id, 'make')).map((l) => l.text);
    const printed = logs.filter((l) => /^(before-the-crash|spooled line|the token is)/.test(l));
    expect(printed).toEqual([
      'before-the-crash',
      ...[1, 2, 3, 4, 5].map((i) => `spooled line ${i}`),
      'the token is ***',
    ]);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    // No container and no task folder is left behind (its context held the run's secrets).
    expect(await docker.api.listContainersByLabel(`caravan.run=${run.id}`)).toEqual([]);
    expect(existsSync(stateDir) ? readdirSync(stateDir) : []).toEqual([]);
  } finally {
    await oldDocker.close();
    await docker.close();
    await drop();
  }
}

for (const kind of stores) {
  describe.skipIf(kind.skip || !hasPodman)(
    `docker: engine killed between two of its steps, resumed (${kind.name})`,
    () => {
      for (const w of WINDOWS) {
        it(`window ${w.name}`, () => crashAndResume(kind, w), 120_000);
      }
    },
  );
}

describe.skipIf(!hasPodman)('docker: a spool that cannot be read', () => {
  it('says in the step log that the lines are lost when the container is gone (copy delivery)', async () => {
    const kind = stores[0]!;
    const w: Window = { name: 'lost', write: firstLogsOf('make'), gate: 'after-crash', delivery: 'copy' };
    const { home, markers, dockerOpts, engineOpts } = setUp(kind, w);
    const { store, drop } = await kind.open(home);
    const sw = new CrashSwitch({ write: w.write! });
    const oldDocker = new CrashingDockerExecutor(dockerOpts, sw, undefined);
    const docker = new DockerExecutor(dockerOpts);
    try {
      const old = await Engine.start(engineOpts(crashingStore(store, sw), oldDocker));
      const pipeline = makePipeline(
        [{ id: 'make', uses: 'caravan/shell@^1', with: { run: makeScript(markers, true) } }],
        {
          secrets: ['API_TOKEN'],
        },
      );
      const run = await old.createRun({ pipeline, source: '', executor: 'docker' });
      const first = old.execute(run.id).catch(() => undefined);
      await untilCrashed(sw, first, docker, store, run.id, markers);
      await old.callback.close();
      writeFileSync(join(markers, 'go'), '');
      const task = `${run.id}.make.1`;
      await waitFor(async () => (await docker.status(task)).phase === 'exited');
      await first;
      // Someone removed the container (and with it the agent's spool) while no engine ran.
      await docker.api.removeContainer(containerName(task));
      const fresh = await Engine.start(engineOpts(store, docker));
      try {
        expect(await fresh.resume(run.id)).toBe('failed');
      } finally {
        await fresh.close();
      }
      const [make] = await store.getSteps(run.id);
      expect(make).toMatchObject({ status: 'lost' });
      const logs = (await store.getLogs(run.id, 'make')).map((l) => l.text);
      expect(logs.filter((l) => l.startsWith('spooled line'))).toEqual([]);
      expect(logs.at(-1)).toMatch(/^caravan: the container of task .* is gone, and with it what its agent spooled/);
      const errors = (await store.getEvents(run.id)).filter((e) => e.type === 'executor.error');
      expect(errors.map((e) => e.data.op)).toContain('spool');
    } finally {
      await oldDocker.close();
      await docker.close();
      await drop();
    }
  }, 120_000);
});
