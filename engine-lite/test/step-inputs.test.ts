/** StepInputs: a step's expression context and its substituted inputs, from the run's records alone. */
import { describe, expect, it } from 'vitest';
import type { LoadedAction } from '../src/actions/resolver.js';
import { RunPlan } from '../src/run-plan.js';
import type { StoredExports } from '../src/step-exports.js';
import { exportsFromEvents, foldPath } from '../src/step-exports.js';
import { StepInputs } from '../src/step-inputs.js';
import { StepInputError } from '../src/step-task.js';
import type { RunRecord, StepRecord } from '../src/store/types.js';
import type { StepInput } from './helpers/pipeline.js';
import { makePipeline } from './helpers/pipeline.js';

function inputs(
  steps: StepInput[],
  records: Record<string, Partial<StepRecord>>,
  cancelled = false,
  extra: { envs?: Record<string, string>; loadExports?: () => Promise<StoredExports[]> } = {},
) {
  const pipeline = makePipeline(steps, { secrets: ['TOKEN'], envs: extra.envs ?? {} });
  const run = { id: 'r', pipeline, params: { env: 'prod' }, executor: 'noop' } as unknown as RunRecord;
  const actions = new Map<string, LoadedAction>(
    pipeline.steps.map((s) => [
      s.id,
      {
        resolved: { name: 'x/y', range: '1', version: '1.0.0', integrity: 'i', source: 'registry' },
        spec: {
          name: 'x/y',
          version: '1.0.0',
          description: '',
          inputs: { level: { type: 'string', default: 'info' }, need: { type: 'string', required: s.id === 'strict' } },
          outputs: {},
          runs: { command: 'true' },
          files: [],
          caches: [],
        },
        dir: '/nowhere',
      } as LoadedAction,
    ]),
  );
  const recs = new Map(
    pipeline.steps.map((s) => [
      s.id,
      { runId: 'r', stepId: s.id, status: 'queued', attempt: 0, outputs: {}, order: 0, ...records[s.id] } as StepRecord,
    ]),
  );
  return new StepInputs(
    { blobs: { read: () => undefined as never }, workDir: '/work', stepCacheDir: '/cache', secrets: { TOKEN: 't0k' } },
    new RunPlan(run, actions),
    {
      record: (id) => recs.get(id)!,
      has: (id) => recs.has(id),
      records: () => recs.values(),
      isFinished: (id) => recs.get(id)!.status !== 'queued',
      cancelRequested: () => cancelled,
    },
    [],
    extra.loadExports,
  );
}

describe('StepInputs', () => {
  const steps: StepInput[] = [
    { id: 'build' },
    { id: 'lint' },
    { id: 'test', needs: ['build'], with: { v: '${{ steps.build.outputs.version }}-${{ params.env }}' } },
  ];
  const records = { build: { status: 'success', outputs: { version: '1.2' } }, lint: { status: 'failed' } } as const;

  it('puts only the steps a step names in its context, with their outputs, statuses and workspaces', () => {
    const ctx = inputs(steps, records).context('test');
    expect(Object.keys(ctx.steps ?? {})).toEqual(['build']);
    expect(ctx.steps?.build).toEqual({ outputs: { version: '1.2' }, status: 'success', files: {} });
    expect(ctx.dirs).toEqual({ build: '/work/r/build' });
    expect(ctx.secrets).toEqual({ TOKEN: 't0k' });
    expect(ctx.status).toEqual({ success: true, failure: false, cancelled: false });
  });

  it('puts every step in the context of a step that reads `steps` as a whole', () => {
    const all = inputs([...steps, { id: 'report', with: { all: '${{ toJSON(steps) }}' } }], records);
    expect(Object.keys(all.context('report').steps ?? {}).sort()).toEqual(['build', 'lint', 'report', 'test']);
  });

  it('sees a failure anywhere above a step, and a cancel of the run', () => {
    const chain: StepInput[] = [{ id: 'a' }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['b'] }];
    const ctx = inputs(chain, { a: { status: 'timeout' }, b: { status: 'skipped' } }, true).context('c');
    expect(ctx.status).toEqual({ success: false, failure: true, cancelled: true });
  });

  it('substitutes with:, applies the action defaults, and refuses a missing required input with its location', async () => {
    const resolved = await inputs(steps, records).resolve('test');
    expect(resolved.params).toEqual({ level: 'info', v: '1.2-prod' });
    const strict = inputs([{ id: 'strict' }], {});
    await expect(strict.resolve('strict')).rejects.toThrow(StepInputError);
    await expect(strict.resolve('strict')).rejects.toThrow(/pipeline\.yml:2:5: step "strict": x\/y needs input "need"/);
  });
});

describe('StepInputs: what earlier steps exported ($GITHUB_ENV, $GITHUB_PATH)', () => {
  const done = (id: string): Partial<StepRecord> => ({ status: 'success', attempt: 1, taskId: `r.${id}.1` });
  const x = (stepId: string, env?: Record<string, string>, path?: string[]): StoredExports => ({
    stepId,
    taskId: `r.${stepId}.1`,
    exports: { ...(env ? { env } : {}), ...(path ? { path } : {}) },
  });

  it('puts exports over the pipeline envs and under the step own env:', async () => {
    const s = inputs(
      [{ id: 'a' }, { id: 'b', needs: ['a'], env: { OWN: 'own', C: '${{ params.env }}' } }],
      { a: done('a') },
      false,
      { envs: { A: 'pipeline', B: 'pipeline', C: 'pipeline' } },
    );
    s.addExports(x('a', { B: 'exported', C: 'exported', D: '${{ params.env }}' }));
    const { env } = await s.resolve('b');
    // Exported values are taken as they are: never substituted.
    expect(env).toEqual({ A: 'pipeline', B: 'exported', C: 'prod', D: '${{ params.env }}', OWN: 'own' });
  });

  it('applies several steps in pipeline order, and folds their PATH folders (a repeated one moves last)', async () => {
    const s = inputs([{ id: 'a' }, { id: 'b' }, { id: 'c', needs: ['b', 'a'] }], { a: done('a'), b: done('b') });
    s.addExports(x('b', { X: 'from b', B: 'b' }, ['/opt/1']));
    s.addExports(x('a', { X: 'from a', A: 'a' }, ['/opt/1', '/opt/2']));
    const r = await s.resolve('c');
    expect(r.env).toEqual({ X: 'from b', A: 'a', B: 'b' });
    expect(r.prependPath).toEqual(['/opt/2', '/opt/1']);
    expect(
      foldPath([
        ['/a', '/b', '/a'],
        ['/c', '/b'],
      ]),
    ).toEqual(['/a', '/c', '/b']);
  });

  it('passes them only to the steps that depend on the step, directly or through others', async () => {
    const chain: StepInput[] = [{ id: 'a' }, { id: 'b', needs: ['a'] }, { id: 'c', needs: ['b'] }, { id: 'd' }];
    const s = inputs(chain, { a: done('a'), b: done('b') });
    s.addExports(x('a', { A: '1' }, ['/a']));
    expect(await s.resolve('c')).toMatchObject({ env: { A: '1' }, prependPath: ['/a'] });
    const d = await s.resolve('d');
    expect(d.env).toEqual({});
    expect(d.prependPath).toBeUndefined();
  });

  it("takes only the last attempt's exports", async () => {
    const s = inputs([{ id: 'a' }, { id: 'b', needs: ['a'] }], { a: { ...done('a'), attempt: 2, taskId: 'r.a.2' } });
    s.addExports(x('a', { A: 'attempt 1' }));
    expect((await s.resolve('b')).env).toEqual({});
  });

  it('reads back the exports a stopped engine recorded (a resume), from the run events', async () => {
    const events = [
      { runId: 'r', stepId: 'a', type: 'step.exports', data: { taskId: 'r.a.1', env: { A: 'old' } }, ts: 1 },
      {
        runId: 'r',
        stepId: 'a',
        type: 'step.exports',
        data: { taskId: 'r.a.2', env: { A: 'new' }, path: ['/p'] },
        ts: 2,
      },
      { runId: 'r', stepId: 'a', type: 'step.summary', data: { taskId: 'r.a.2', summary: '## Hi' }, ts: 3 },
    ];
    expect(exportsFromEvents(events)[1]).toEqual({
      stepId: 'a',
      taskId: 'r.a.2',
      exports: { env: { A: 'new' }, path: ['/p'], summary: '## Hi' },
    });
    const s = inputs(
      [{ id: 'a' }, { id: 'b', needs: ['a'] }],
      { a: { ...done('a'), attempt: 2, taskId: 'r.a.2' } },
      false,
      {
        loadExports: () => Promise.resolve(exportsFromEvents(events)),
      },
    );
    expect(await s.resolve('b')).toMatchObject({ env: { A: 'new' }, prependPath: ['/p'] });
  });
});
