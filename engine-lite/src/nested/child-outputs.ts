/** A finished child run's `outputs:`, evaluated over its steps' outputs: the nested step's outputs. */
import { interpolate } from '@caravan/spec';
import type { RunRecord, StepRecord } from '../store/types.js';

export function childOutputs(
  run: RunRecord,
  steps: StepRecord[],
): { outputs: Record<string, string>; errors: string[] } {
  const ctx = {
    params: run.params,
    steps: Object.fromEntries(steps.map((s) => [s.stepId, { status: s.status, outputs: s.outputs }])),
    run: { id: run.id },
  };
  const outputs: Record<string, string> = {};
  const errors: string[] = [];
  for (const [name, template] of Object.entries(run.pipeline.outputs ?? {})) {
    const r = interpolate(template, ctx);
    if (!r.ok) errors.push(`outputs.${name}: ${r.error.message}`);
    else
      outputs[name] =
        typeof r.value === 'string'
          ? r.value
          : r.value === null || r.value === undefined
            ? ''
            : JSON.stringify(r.value);
  }
  return { outputs, errors };
}
