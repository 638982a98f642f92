/** End to end on the process executor with the real agent and the built-in actions. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinActionsDir, DefaultActionResolver } from '../src/actions/resolver.js';
import { Engine } from '../src/engine.js';
import { isAlive } from '@caravan/registry';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import { agentBundle } from './helpers/agent.js';
import type { StepInput } from './helpers/pipeline.js';
import { makePipeline } from './helpers/pipeline.js';

let home: string;
let store: SqliteEngineStore;
let engine: Engine;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'caravan-e2e-'));
  store = new SqliteEngineStore(join(home, 'engine.db'));
  engine = await Engine.start({
    store,
    home,
    agentPath: agentBundle(),
    resolver: new DefaultActionResolver(builtinActionsDir()),
    secrets: { API_TOKEN: 'tok-ABCDEF-123456' },
    graceSeconds: 1,
    guardSlackSeconds: 2,
    cancelPollMs: 100,
  });
});
afterAll(async () => {
  await engine?.close();
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

const shell = (id: string, run: string, extra: Partial<StepInput> = {}): StepInput => ({
  id,
  uses: 'caravan/shell@^1',
  with: { run },
  ...extra,
});

async function run(steps: StepInput[], extra: Parameters<typeof makePipeline>[1] = {}) {
  const created = await engine.createRun({ pipeline: makePipeline(steps, extra), source: '' });
  const status = await engine.execute(created.id);
  const recs = Object.fromEntries((await store.getSteps(created.id)).map((s) => [s.stepId, s]));
  return { id: created.id, status, steps: recs };
}

describe('process executor, real agent', () => {
  it('runs three stages passing an output and a file', async () => {
    const r = await run([
      shell(
        'make',
        'mkdir -p out\necho "built at stage one" > out/report.txt\necho "version=1.2.3" >> "$CARAVAN_OUTPUT"\necho making',
        { files: [{ name: 'report', path: 'out/report.txt' }] },
      ),
      shell(
        'use',
        'test "${{ steps.make.outputs.version }}" = 1.2.3\necho "content=$(cat "${{ steps.make.files.report }}")" >> "$CARAVAN_OUTPUT"',
        { needs: ['make'] },
      ),
      {
        id: 'final',
        uses: 'caravan/echo@^1',
        with: { message: 'got: ${{ steps.use.outputs.content }}' },
        needs: ['use'],
      },
    ]);
    expect(r.steps.make?.error).toBeUndefined();
    expect(r.steps.use?.error).toBeUndefined();
    expect(r.status).toBe('success');
    expect(r.steps.make?.outputs.version).toBe('1.2.3');
    expect(r.steps.use?.outputs.content).toBe('built at stage one');
    expect(r.steps.final?.outputs.message).toBe('got: built at stage one');
    const files = await store.getFiles(r.id);
    expect(files.map((f) => `${f.stepId}/${f.name}`)).toEqual(['make/report']);
    const logs = await store.getLogs(r.id, 'make');
    expect(logs.map((l) => l.text).join('\n')).toContain('making');
    const run0 = await store.getRun(r.id);
    expect(run0?.actions.make).toMatchObject({ name: 'caravan/shell', version: '1.0.0', source: 'builtin' });
    expect(run0?.actions.make?.integrity).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
  });

  it('retries a failing step: a flaky one succeeds on its second attempt, a broken one fails after its retries', async () => {
    const retry = { count: 1, backoffSeconds: 0, factor: 1, maxSeconds: 0 };
    const r = await run([
      shell('flaky', 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; echo "attempt $n"; [ "$n" -ge 2 ]', {
        retry,
      }),
      shell('broken', 'echo failing >&2; exit 3', { retry }),
    ]);
    expect(r.status).toBe('failed');
    expect(r.steps.flaky).toMatchObject({ status: 'success', attempt: 2 });
    expect(r.steps.broken).toMatchObject({ status: 'failed', attempt: 2, exitCode: 3 });
    expect(r.steps.broken?.error).toMatch(/exit code 3/);
  });

  it('stops a step that runs past its timeout', async () => {
    const r = await run([shell('slow', 'sleep 30', { timeout: 1 }), shell('after', 'true', { needs: ['slow'] })]);
    expect(r.status).toBe('failed');
    expect(r.steps.slow?.status).toBe('timeout');
    expect(r.steps.after?.status).toBe('skipped');
  });

  it('cancels a running step from the store: its process group is gone', async () => {
    const created = await engine.createRun({
      pipeline: makePipeline([shell('long', 'echo $$ > pid; sleep 30')]),
      source: '',
    });
    const done = engine.execute(created.id);
    const pidFile = join(home, 'work', created.id, 'long', 'pid');
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '')
      await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    await store.updateRun(created.id, { cancelRequested: true });
    expect(await done).toBe('cancelled');
    expect((await store.getSteps(created.id))[0]?.status).toBe('cancelled');
    expect(isAlive(pid)).toBe(false);
  });

  it('follows if: conditions on outputs', async () => {
    const r = await run([
      shell('check', 'echo "deploy=no" >> "$CARAVAN_OUTPUT"'),
      shell('deploy', 'echo deploying', { needs: ['check'], if: "steps.check.outputs.deploy == 'yes'" }),
      shell('notify', 'echo notify', { needs: ['check'], if: "steps.check.outputs.deploy == 'no'" }),
    ]);
    expect(r.status).toBe('success');
    expect(r.steps.deploy?.status).toBe('skipped');
    expect(r.steps.notify?.status).toBe('success');
  });

  it('never stores a secret in clear: logs, outputs and errors are masked', async () => {
    const r = await run(
      [
        shell(
          'leak',
          'echo "token is $API_TOKEN"\necho "out=${{ secrets.API_TOKEN }}" >> "$CARAVAN_OUTPUT"\necho "bad ${{ secrets.API_TOKEN }}" >&2; exit 1',
        ),
      ],
      { secrets: ['API_TOKEN'] },
    );
    expect(r.steps.leak?.status).toBe('failed');
    const everything = JSON.stringify([
      await store.getLogs(r.id),
      await store.getSteps(r.id),
      await store.getEvents(r.id),
      await store.getRun(r.id),
    ]);
    expect(everything).not.toContain('tok-ABCDEF-123456');
    expect(everything).toContain('token is ***');
    // the context file with the secret is removed with the task
    expect(JSON.stringify(readdirSync(join(home, 'tasks')))).not.toContain(r.id);
  });

  it('sets the env contract for every step', async () => {
    const r = await run([
      shell(
        'env',
        'echo "ws=$CARAVAN_WORKSPACE" >> "$CARAVAN_OUTPUT"; echo "ap=$CARAVAN_APPROVALS_DIR" >> "$CARAVAN_OUTPUT"; echo "pwd=$(pwd)" >> "$CARAVAN_OUTPUT"; test -f "$CARAVAN_ACTION_DIR/action.yml" && echo "action=$(basename "$CARAVAN_ACTION_DIR")" >> "$CARAVAN_OUTPUT"',
      ),
    ]);
    expect(r.steps.env?.outputs).toEqual({
      ws: join(home, 'work', r.id, 'env'),
      ap: join(home, 'approvals'),
      pwd: join(home, 'work', r.id, 'env'),
      action: 'shell',
      'exit-code': '0',
    });
  });
});

describe('environment files ($GITHUB_ENV, $GITHUB_PATH, $GITHUB_STEP_SUMMARY)', () => {
  it('passes exported variables and PATH folders to the steps that depend on the step, and stores its summary', async () => {
    const r = await run(
      [
        shell(
          'a',
          'echo "GREETED=yes" >> "$GITHUB_ENV"; echo "OVER=exported" >> "$GITHUB_ENV"; echo /opt/x >> "$GITHUB_PATH"; echo "## Hello" >> "$GITHUB_STEP_SUMMARY"',
        ),
        shell(
          'b',
          'echo "greeted=$GREETED" >> "$CARAVAN_OUTPUT"; echo "over=$OVER" >> "$CARAVAN_OUTPUT"; echo "path=$PATH"',
          {
            needs: ['a'],
            env: { OVER: 'own' },
          },
        ),
        shell('c', 'echo "greeted=${GREETED:-none}" >> "$CARAVAN_OUTPUT"'),
      ],
      { envs: { OVER: 'pipeline' } },
    );
    expect(r.status).toBe('success');
    expect(r.steps.b?.outputs).toMatchObject({ greeted: 'yes', over: 'own' });
    expect(r.steps.c?.outputs).toMatchObject({ greeted: 'none' });
    const log = (await store.getLogs(r.id, 'b')).map((l) => l.text).join('\n');
    expect(log).toMatch(/^path=\/opt\/x:/m);
    const events = await store.getEvents(r.id);
    expect(events.find((e) => e.type === 'step.summary')).toMatchObject({
      stepId: 'a',
      data: { taskId: `${r.id}.a.1`, summary: '## Hello\n' },
    });
    expect(events.find((e) => e.type === 'step.exports')?.data).toEqual({
      taskId: `${r.id}.a.1`,
      env: { GREETED: 'yes', OVER: 'exported' },
      path: ['/opt/x'],
    });
  });
});

describe('caches', () => {
  it('restores a cache saved by an earlier successful step with the same key', async () => {
    const caches = [{ key: 'deps-${{ params.v }}', path: 'deps' }];
    const params = { params: { v: { type: 'string' as const, default: 'v1' } } };
    const first = await run([shell('fill', 'mkdir -p deps; echo cached-content > deps/lib.txt', { caches })], params);
    expect(first.status).toBe('success');
    const second = await run([shell('use', 'test "$(cat deps/lib.txt)" = cached-content', { caches })], params);
    expect(second.steps.use?.error).toBeUndefined();
    expect(second.status).toBe('success');
    const miss = await run([shell('miss', 'test ! -e deps/lib.txt', { caches: [{ key: 'deps-v2', path: 'deps' }] })]);
    expect(miss.status).toBe('success');
  });
});
