import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { hasPostgres, postgresUrl } from '../../test/services.js';
import { PostgresEngineStore } from '../src/store/postgres.js';
import type { EngineOptions } from '../src/engine.js';
import type { EngineHooks } from '../src/hooks.js';
import { testEngine } from './helpers/engine.js';
import type { TestEngine } from './helpers/engine.js';
import type { StepInput } from './helpers/pipeline.js';
import { makePipeline } from './helpers/pipeline.js';
import type { Script } from './helpers/scripted.js';
import { ScriptedExecutor } from './helpers/scripted.js';

let current: TestEngine | undefined;
afterEach(async () => {
  await current?.cleanup();
  current = undefined;
});

async function runPipeline(
  steps: StepInput[],
  scripts: Record<string, Script> = {},
  opts: Partial<EngineOptions> & { concurrency?: number; secretsDeclared?: string[] } = {},
) {
  const exec = new ScriptedExecutor(scripts);
  current = await testEngine(exec, opts);
  const { engine } = current;
  const pipeline = makePipeline(steps, { secrets: opts.secretsDeclared ?? [] });
  const run = await engine.createRun({ pipeline, source: '', executor: 'scripted', concurrency: opts.concurrency });
  const status = await engine.execute(run.id);
  const steps2 = Object.fromEntries((await engine.store.getSteps(run.id)).map((s) => [s.stepId, s]));
  return { status, steps: steps2, exec, run, engine };
}

describe('scheduling', () => {
  it('runs a diamond in dependency order and succeeds', async () => {
    const r = await runPipeline([
      { id: 'a' },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['a'] },
      { id: 'd', needs: ['b', 'c'] },
    ]);
    expect(r.status).toBe('success');
    expect(r.exec.started[0]).toBe('a');
    expect(r.exec.started[3]).toBe('d');
    expect(Object.values(r.steps).map((s) => s.status)).toEqual(['success', 'success', 'success', 'success']);
    expect(r.steps.a?.attempt).toBe(1);
  });

  it('skips dependants of a failed step, but runs failure() and always() steps; the run fails', async () => {
    const r = await runPipeline(
      [
        { id: 'build' },
        { id: 'test', needs: ['build'] },
        { id: 'deploy', needs: ['test'] },
        { id: 'report', needs: ['deploy'], if: 'failure()' },
        { id: 'cleanup', needs: ['deploy'], if: 'always()' },
        { id: 'notok', needs: ['deploy'], if: 'success()' },
      ],
      { build: { exits: [2], error: 'compile error' } },
    );
    expect(r.status).toBe('failed');
    expect(r.steps.build).toMatchObject({ status: 'failed', exitCode: 2, error: 'compile error' });
    expect(r.steps.test?.status).toBe('skipped');
    expect(r.steps.deploy?.status).toBe('skipped');
    expect(r.steps.report?.status).toBe('success');
    expect(r.steps.cleanup?.status).toBe('success');
    expect(r.steps.notok?.status).toBe('skipped');
  });

  it('skips a step whose if is false, and its dependants, and the run still succeeds', async () => {
    const r = await runPipeline(
      [
        { id: 'a' },
        { id: 'b', needs: ['a'], if: "params.deploy == 'yes'" },
        { id: 'c', needs: ['b'] },
        { id: 'd', needs: ['a'], if: "steps.a.outputs.ok == 'true'" },
      ],
      { a: { outputs: { ok: 'true' } } },
    );
    expect(r.status).toBe('success');
    expect(r.steps.b).toMatchObject({ status: 'skipped' });
    expect(r.steps.b?.error).toMatch(/condition is false/);
    expect(r.steps.c?.status).toBe('skipped');
    expect(r.steps.d?.status).toBe('success');
  });

  it('turns an if that cannot be evaluated into an error naming the file, line and column', async () => {
    const r = await runPipeline([{ id: 'a', if: 'nosuchfn(1)' }]);
    expect(r.status).toBe('failed');
    expect(r.steps.a?.status).toBe('error');
    expect(r.steps.a?.error).toMatch(/^pipeline\.yml:2:5: step "a": if: /);
  });

  it('starts ready steps by step priority, then file order, under concurrency 1', async () => {
    const r = await runPipeline(
      [{ id: 'low' }, { id: 'high', priority: 10 }, { id: 'mid', priority: 5 }, { id: 'low2' }],
      {},
      { concurrency: 1 },
    );
    expect(r.exec.started).toEqual(['high', 'mid', 'low', 'low2']);
  });

  it('never runs more steps at once than the global limit or the executor limit', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}` }));
    const scripts = Object.fromEntries(steps.map((s) => [s.id, { delayMs: 5 }]));
    const a = await runPipeline(steps, scripts, { concurrency: 3 });
    expect(a.status).toBe('success');
    expect(a.exec.maxRunning).toBe(3);
    await current?.cleanup();
    const b = await runPipeline(steps, scripts, { concurrency: 8, executorLimits: { scripted: 2 } });
    expect(b.exec.maxRunning).toBe(2);
  });

  it('passes outputs of earlier steps into with: and env:', async () => {
    const r = await runPipeline(
      [
        { id: 'a' },
        {
          id: 'b',
          needs: ['a'],
          with: { greeting: 'hello ${{ steps.a.outputs.name }}' },
          env: { RUN: '${{ run.id }}' },
        },
      ],
      { a: { outputs: { name: 'world' } } },
    );
    const ctx = r.exec.contexts.get('b')!.context;
    expect(ctx.params.greeting).toBe('hello world');
    expect(ctx.env.RUN).toBe(r.run.id);
    expect(ctx.env.CARAVAN_STEP_ID).toBe('b');
    expect(ctx.env.CARAVAN_WORKSPACE).toBe(r.exec.contexts.get('b')!.workspace);
    expect(ctx.callback?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/tasks\//);
    expect(r.steps.a?.outputs).toEqual({ name: 'world' });
  });

  it('fails a step whose with: cannot be evaluated, before starting it', async () => {
    const r = await runPipeline([{ id: 'a' }, { id: 'b', needs: ['a'], with: { x: "${{ fromJSON('not json') }}" } }]);
    expect(r.steps.b?.status).toBe('error');
    expect(r.steps.b?.error).toMatch(/^pipeline\.yml:3:5: step "b": with\.x: fromJSON/);
    expect(r.exec.started).toEqual(['a']);
  });
});

describe('retries', () => {
  it('retries a failing step with backoff until it succeeds', async () => {
    const r = await runPipeline(
      [
        { id: 'flaky', retry: { count: 3, backoffSeconds: 0.01, factor: 2, maxSeconds: 1 } },
        { id: 'after', needs: ['flaky'] },
      ],
      { flaky: { exits: [1, 1, 0] } },
    );
    expect(r.status).toBe('success');
    expect(r.steps.flaky).toMatchObject({ status: 'success', attempt: 3 });
    const events = (await r.engine.store.getEvents(r.run.id)).filter((e) => e.stepId === 'flaky').map((e) => e.type);
    expect(events).toEqual([
      'step.running',
      'step.callback',
      'step.failed',
      'step.queued',
      'step.running',
      'step.callback',
      'step.failed',
      'step.queued',
      'step.running',
      'step.callback',
      'step.success',
    ]);
  });

  it('stops after the last allowed attempt', async () => {
    const r = await runPipeline([{ id: 'bad', retry: { count: 1, backoffSeconds: 0, factor: 1, maxSeconds: 0 } }], {
      bad: { exits: [3] },
    });
    expect(r.status).toBe('failed');
    expect(r.steps.bad).toMatchObject({ status: 'failed', attempt: 2, exitCode: 3 });
    expect(r.steps.bad?.retryAt).toBeUndefined();
  });
});

describe('hooks', () => {
  it('lets beforeStepStart veto or decorate, and calls afterStepEnd and afterRunEnd', async () => {
    const seen: string[] = [];
    const hooks: EngineHooks = {
      beforeQueuePop: (c) => void seen.push(`pop ${c.step.id}`),
      beforeStepStart: (c) =>
        c.step.id === 'vetoed'
          ? { veto: { status: 'skipped', reason: 'policy: no deploys on Friday' } }
          : { env: { DECORATED: 'yes' } },
      afterStepEnd: (c) => void seen.push(`end ${c.step.id} ${c.status}`),
      afterRunEnd: (c) => void seen.push(`run ${c.status}`),
    };
    const r = await runPipeline([{ id: 'ok' }, { id: 'vetoed', needs: ['ok'] }], {}, { hooks: [hooks] });
    expect(r.steps.vetoed).toMatchObject({ status: 'skipped', error: 'policy: no deploys on Friday' });
    expect(r.exec.contexts.get('ok')!.context.env.DECORATED).toBe('yes');
    expect(seen).toEqual(['pop ok', 'end ok success', 'pop vetoed', 'run success']);
  });

  it('records a throwing beforeStepStart hook as the step error', async () => {
    const r = await runPipeline(
      [{ id: 'a' }],
      {},
      {
        hooks: [
          {
            beforeStepStart: () => {
              throw new Error('boom');
            },
          },
        ],
      },
    );
    expect(r.steps.a).toMatchObject({ status: 'error', error: 'beforeStepStart hook: boom' });
  });
});

describe('cancel', () => {
  it('cancels running and waiting steps when the store says so', async () => {
    const exec = new ScriptedExecutor({ hang: { hang: true } });
    current = await testEngine(exec);
    const { engine } = current;
    const run = await engine.createRun({
      pipeline: makePipeline([{ id: 'hang' }, { id: 'next', needs: ['hang'] }, { id: 'fast' }]),
      source: '',
      executor: 'scripted',
    });
    const done = engine.execute(run.id);
    while (!exec.started.includes('hang')) await new Promise((r) => setTimeout(r, 10));
    // as `caravan cancel` does from another process: only the store is written
    await engine.store.updateRun(run.id, { cancelRequested: true });
    expect(await done).toBe('cancelled');
    const steps = Object.fromEntries((await engine.store.getSteps(run.id)).map((s) => [s.stepId, s.status]));
    expect(steps).toEqual({ hang: 'cancelled', next: 'cancelled', fast: 'success' });
  });
});

describe('secrets', () => {
  it('refuses to create a run whose declared secrets have no value', async () => {
    current = await testEngine(new ScriptedExecutor());
    await expect(
      current.engine.createRun({
        pipeline: makePipeline([{ id: 'a' }], { secrets: ['TOKEN'] }),
        source: '',
        executor: 'scripted',
      }),
    ).rejects.toThrow(/TOKEN declared by the pipeline but not given: pass --secret/);
  });

  it('masks secret values in stored outputs and errors, and hands only declared secrets to the step', async () => {
    const r = await runPipeline(
      [{ id: 'leak', with: { token: '${{ secrets.TOKEN }}' } }],
      { leak: { exits: [1], outputs: { echoed: 'tok=s3cr3t-value!' }, error: 'auth failed for s3cr3t-value!' } },
      { secrets: { TOKEN: 's3cr3t-value!', OTHER: 'unused-secret' }, secretsDeclared: ['TOKEN'] },
    );
    expect(r.steps.leak?.outputs).toEqual({ echoed: 'tok=***' });
    expect(r.steps.leak?.error).toBe('auth failed for ***');
    const ctx = r.exec.contexts.get('leak')!.context;
    expect(ctx.secrets).toEqual({ TOKEN: 's3cr3t-value!' });
    expect(ctx.params.token).toBe('s3cr3t-value!');
    const row =
      JSON.stringify(await r.engine.store.getRun(r.run.id)) + JSON.stringify(await r.engine.store.getEvents(r.run.id));
    expect(row).not.toContain('s3cr3t-value!');
  });
});

describe('createRun', () => {
  it('reports every unresolvable action and unknown executor with its location, storing nothing', async () => {
    current = await testEngine(new ScriptedExecutor());
    const err = await current.engine
      .createRun({
        pipeline: makePipeline([
          { id: 'a', uses: 'missing/x@1' },
          { id: 'b', executor: 'nope' },
        ]),
        source: '',
        executor: 'scripted',
      })
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/pipeline\.yml:2:5: step "a": uses missing\/x@1: missing\/x not found/);
    expect(String(err)).toMatch(/unknown executor "nope"/);
    expect(await current.engine.store.listRuns(10)).toEqual([]);
  });

  it('rejects a cycle', async () => {
    current = await testEngine(new ScriptedExecutor());
    await expect(
      current.engine.createRun({
        pipeline: makePipeline([
          { id: 'a', needs: ['b'] },
          { id: 'b', needs: ['a'] },
        ]),
        source: '',
        executor: 'scripted',
      }),
    ).rejects.toThrow(/cycle: a → b → a|cycle: b → a → b/);
  });
});

describe('resume', () => {
  it('keeps finished steps, marks a running step whose task is gone lost, and retries it', async () => {
    const exec = new ScriptedExecutor();
    current = await testEngine(exec);
    const { engine } = current;
    const pipeline = makePipeline([
      { id: 'done' },
      { id: 'was-running', needs: ['done'], retry: { count: 1, backoffSeconds: 0, factor: 1, maxSeconds: 0 } },
      { id: 'last', needs: ['was-running'] },
    ]);
    const run = await engine.createRun({ pipeline, source: '', executor: 'scripted' });
    // The store as a killed engine leaves it.
    await engine.store.updateRun(run.id, { status: 'running', enginePid: 999999 });
    await engine.store.updateStep(run.id, 'done', { status: 'success', attempt: 1, outputs: { v: '1' } });
    await engine.store.updateStep(run.id, 'was-running', {
      status: 'running',
      attempt: 1,
      taskId: `${run.id}.was-running.1`,
      executor: 'scripted',
    });
    expect(await engine.resume(run.id)).toBe('success');
    const steps = Object.fromEntries((await engine.store.getSteps(run.id)).map((s) => [s.stepId, s]));
    expect(steps.done).toMatchObject({ status: 'success', attempt: 1 });
    expect(steps['was-running']).toMatchObject({ status: 'success', attempt: 2 });
    expect(exec.started).toEqual(['was-running', 'last']);
    const types = (await engine.store.getEvents(run.id)).filter((e) => e.stepId === 'was-running').map((e) => e.type);
    expect(types).toEqual(['step.lost', 'step.queued', 'step.running', 'step.callback', 'step.success']);
  });
});

describe('resume after a crash between creating a task and starting it', () => {
  it('runs the step afresh as the same attempt, without a retry policy, instead of waiting for it forever', async () => {
    const exec = new ScriptedExecutor();
    current = await testEngine(exec);
    const { engine } = current;
    const pipeline = makePipeline([
      { id: 'done' },
      { id: 'was-created', needs: ['done'] },
      { id: 'last', needs: ['was-created'] },
    ]);
    const run = await engine.createRun({ pipeline, source: '', executor: 'scripted' });
    const taskId = `${run.id}.was-created.1`;
    await engine.store.updateRun(run.id, { status: 'running', enginePid: 999999 });
    await engine.store.updateStep(run.id, 'done', { status: 'success', attempt: 1, outputs: {} });
    await engine.store.updateStep(run.id, 'was-created', {
      status: 'running',
      attempt: 1,
      taskId,
      executor: 'scripted',
    });
    await exec.create({
      taskId,
      runId: run.id,
      stepId: 'was-created',
      attempt: 1,
      command: ['true'],
      workspace: '/nowhere',
      actionDir: '/nowhere',
      context: { secrets: {}, params: {}, env: {}, watch: [], files: [] },
    });
    expect(await exec.status(taskId)).toEqual({ phase: 'created' });

    expect(await engine.resume(run.id)).toBe('success');
    const steps = Object.fromEntries((await engine.store.getSteps(run.id)).map((s) => [s.stepId, s]));
    expect(steps['was-created']).toMatchObject({ status: 'success', attempt: 1 });
    expect(exec.started).toEqual(['was-created', 'last']);
    const events = (await engine.store.getEvents(run.id)).filter((e) => e.stepId === 'was-created');
    expect(events.map((e) => e.type)).toEqual([
      'step.requeued',
      'step.queued',
      'step.running',
      'step.callback',
      'step.success',
    ]);
    expect(events[0]?.data).toMatchObject({ taskId, reason: 'its task was created but never started' });
  });
});

describe.skipIf(!hasPostgres)('on the PostgreSQL store', () => {
  it('runs a DAG with a retry and records it', async () => {
    const schema = `engine_sched_${process.pid}_${Date.now()}`;
    const store = await PostgresEngineStore.open(postgresUrl, schema);
    try {
      const r = await runPipeline(
        [
          { id: 'a', retry: { count: 1, backoffSeconds: 0, factor: 1, maxSeconds: 0 } },
          { id: 'b', needs: ['a'] },
        ],
        { a: { exits: [1, 0], outputs: { x: '1' } } },
        { store },
      );
      expect(r.status).toBe('success');
      expect(r.steps.a).toMatchObject({ status: 'success', attempt: 2, outputs: { x: '1' } });
      expect((await store.getRun(r.run.id))?.status).toBe('success');
    } finally {
      await current?.cleanup();
      current = undefined;
      await store.close();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
