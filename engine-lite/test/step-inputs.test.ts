/** StepInputs: a step's expression context and its substituted inputs, from the run's records alone. */
import { describe, expect, it } from 'vitest';
import type { LoadedAction } from '../src/actions/resolver.js';
import { RunPlan } from '../src/run-plan.js';
import { StepInputs } from '../src/step-inputs.js';
import { StepInputError } from '../src/step-task.js';
import type { RunRecord, StepRecord } from '../src/store/types.js';
import type { StepInput } from './helpers/pipeline.js';
import { makePipeline } from './helpers/pipeline.js';

function inputs(steps: StepInput[], records: Record<string, Partial<StepRecord>>, cancelled = false) {
  const pipeline = makePipeline(steps, { secrets: ['TOKEN'] });
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
