/** Pipelines built in code for engine tests. */
import type { Pipeline, PipelineStep } from '@caravan/spec';

export type StepInput = Partial<PipelineStep> & { id: string };

export function makeStep(s: StepInput, i = 0): PipelineStep {
  const uses = s.uses ?? 'test/step@^1';
  const [name, range] = uses.split('@') as [string, string | undefined];
  return {
    uses,
    action: { name, range: range ?? '*' },
    with: {},
    env: {},
    priority: 0,
    files: [],
    caches: [],
    needs: [],
    loc: { file: 'pipeline.yml', line: i + 2, col: 5 },
    ...s,
  };
}

export function makePipeline(steps: StepInput[], extra: Partial<Pipeline> = {}): Pipeline {
  return {
    version: '1',
    name: 'test',
    priority: 0,
    params: {},
    envs: {},
    secrets: [],
    file: 'pipeline.yml',
    steps: steps.map(makeStep),
    ...extra,
  };
}

/** A wide DAG (n independent steps) or a deep one (a chain of n). */
export function wide(n: number, uses = 'test/step@^1'): StepInput[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, uses }));
}

export function deep(n: number, uses = 'test/step@^1'): StepInput[] {
  return Array.from({ length: n }, (_, i) => ({ id: `s${i}`, uses, needs: i === 0 ? [] : [`s${i - 1}`] }));
}
