/**
 * The attempt protocol (docs/engine.md, "One attempt, on disk and in the store"): the engine is
 * stopped in each window between two of its own writes, then a fresh engine resumes the run on the
 * same store and task folder. In every window: a succeeded step never runs again (each run of an
 * action appends to a marker file), nothing is marked lost when nothing was lost, outputs and
 * files reach the next step exactly, and no task file is left behind. Real agents, real processes,
 * on SQLite and on PostgreSQL.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinActionsDir, DefaultActionResolver } from '../src/actions/resolver.js';
import { Engine } from '../src/engine.js';
import { ExecutorRegistry } from '../src/executors/registry.js';
import type { EngineStore } from '../src/store/types.js';
import { agentBundle } from './helpers/agent.js';
import type { CrashPoint } from './helpers/crash.js';
import { CrashingProcessExecutor, CrashSwitch, crashingStore } from './helpers/crash.js';
import { type CrashStoreKind, crashStores, isEvent, isStep } from './helpers/crash-stores.js';
import { makePipeline } from './helpers/pipeline.js';

const stores = crashStores('engine_crash');

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

interface Window {
  name: string;
  point: CrashPoint;
  /**
   * The `make` step's action waits between its two log lines until the test lets it go: once the
   * engine is dead (and it then waits for the agent's end before resuming), or once the resumed
   * engine has re-attached to it.
   */
  gate?: 'after-crash' | 'after-reattach';
  /** Whether make's task file lacks a pid after the crash. */
  noPid?: boolean;
  /** How recovery found make: the event it records. */
  expectEvent?: string;
}

const WINDOWS: Window[] = [
  {
    name: '1 recorded running, task not created',
    point: { write: isEvent('make', 'step.callback') },
    expectEvent: 'step.requeued',
  },
  {
    name: '2 context written, task file not written',
    point: { executor: 'context-written', stepId: 'make' },
    expectEvent: 'step.requeued',
  },
  {
    name: '3 task created, not started',
    point: { executor: 'before-start', stepId: 'make' },
    expectEvent: 'step.requeued',
  },
  {
    name: '4 agent spawned, pid not recorded',
    point: { executor: 'spawned', stepId: 'make' },
    gate: 'after-reattach',
    noPid: true,
    expectEvent: 'step.reattached',
  },
  {
    name: '5 agent running, engine gone: its log lines and file are spooled',
    point: { write: (m, a) => m === 'appendLogs' && a[1] === 'make' },
    gate: 'after-crash',
  },
  {
    name: '6 agent ended (report written), result not stored',
    point: { write: isStep('make', 'success') },
  },
  {
    name: '7 result stored, task not removed',
    point: { executor: 'before-remove', stepId: 'make' },
  },
  {
    name: '8 task removed, next step not recorded',
    point: { write: isStep('use', 'running') },
  },
];

async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function crashAndResume(kind: CrashStoreKind, w: Window): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'caravan-crash-'));
  homes.push(home);
  const markers = join(home, 'markers');
  const tasks = join(home, 'tasks');
  const { store, drop } = await kind.open(home);
  const sw = new CrashSwitch(w.point);
  const engineOpts = (s: EngineStore, crash?: CrashSwitch) => {
    const agent = { stateDir: tasks, agentPath: agentBundle(), graceSeconds: 1 };
    const executor = crash ? new CrashingProcessExecutor(agent, crash) : undefined;
    return {
      store: s,
      home,
      agentPath: agentBundle(),
      resolver: new DefaultActionResolver(builtinActionsDir()),
      graceSeconds: 1,
      guardSlackSeconds: 2,
      cancelPollMs: 100,
      ...(executor ? { executors: new ExecutorRegistry().add(executor) } : {}),
    };
  };
  try {
    const old = await Engine.start(engineOpts(crashingStore(store, sw), sw));
    const pipeline = makePipeline([
      {
        id: 'make',
        uses: 'caravan/shell@^1',
        with: {
          run: [
            `mkdir -p ${markers} && echo run >> ${markers}/make`,
            'echo before-the-crash',
            ...(w.gate ? [`while [ ! -e ${home}/go ]; do sleep 0.05; done`] : []),
            'echo printed-while-no-engine-listened',
            'mkdir -p out && echo payload > out/f.txt',
            'echo "v=42" >> "$CARAVAN_OUTPUT"',
          ].join('\n'),
        },
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
    ]);
    const run = await old.createRun({ pipeline, source: '' });
    const first = old.execute(run.id).then(
      (s) => `ended ${s}`,
      (e: Error) => e.message,
    );
    await Promise.race([sw.died(), first]);
    expect(sw.dead, `the crash point was never reached: ${await Promise.race([first, 'still running'])}`).toBe(true);
    // The engine is dead: its callback API no longer answers (its agents keep running).
    await old.callback.close();
    const taskFile = join(tasks, `${run.id}.make.1.task.json`);
    if (w.noPid) {
      expect(JSON.parse(readFileSync(taskFile, 'utf8'))).not.toHaveProperty('pid');
      // The spawned process has linked its pid (a resume before that claims the start instead, and
      // that process exits without running anything: attempt-protocol.test.ts).
      await waitFor(() => readdirSync(tasks).some((f) => f.startsWith(`${run.id}.make.1.`) && f.endsWith('.pid')));
    }
    if (w.gate === 'after-crash') {
      writeFileSync(join(home, 'go'), '');
      await waitFor(() => existsSync(join(tasks, `${run.id}.make.1.report.json`)));
    }
    await first;

    const fresh = await Engine.start(engineOpts(store));
    try {
      const resumed = fresh.resume(run.id);
      if (w.gate === 'after-reattach') {
        const reattached = async () => (await store.getEvents(run.id)).some((e) => e.type === 'step.reattached');
        for (let i = 0; i < 400 && !(await reattached()); i++) await new Promise((r) => setTimeout(r, 25));
        writeFileSync(join(home, 'go'), '');
      }
      expect(await resumed).toBe('success');
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
    const logs = (await store.getLogs(run.id, 'make')).map((l) => l.text);
    expect(logs).toContain('printed-while-no-engine-listened');
    // No task is left behind: its context held the run's secrets.
    expect(existsSync(tasks) ? readdirSync(tasks) : []).toEqual([]);
  } finally {
    await drop();
  }
}

for (const kind of stores) {
  describe.skipIf(kind.skip)(`engine killed between two of its writes, resumed (${kind.name})`, () => {
    for (const w of WINDOWS) {
      it(`window ${w.name}`, () => crashAndResume(kind, w), 60_000);
    }
  });
}
