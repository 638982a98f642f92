/** Finds the steps of a pipeline in `stages` and `steps`, including Erda 1.1's `- <type>: {alias, …}` form. */
import type { DataPath } from './yaml-source.js';

import { isRecord, type Raw } from './records.js';

/** `run: <script>` is this action with `with.run` set to the script. */
export const SHELL_ACTION = 'caravan/shell@^1';

/**
 * `uses: ./deploy/pipeline.yml` (or `uses: deploy`, a registered pipeline) runs that pipeline: a
 * step of this built-in kind, on this executor.
 */
export const NESTED_ACTION = 'caravan/pipeline@^1';
export const NESTED_EXECUTOR = 'pipeline';

/** A name a pipeline is registered under on `caravan server`. */
export const REGISTERED_PIPELINE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** `uses: ./deploy/pipeline.yml`: a pipeline file beside this one. */
export function isNestedFileUses(uses: string): boolean {
  return /^\.\.?\//.test(uses);
}

/** `uses: deploy`: a pipeline registered on the server under that name (no `/`, no `@range`). */
export function isRegisteredPipelineUses(uses: string): boolean {
  return REGISTERED_PIPELINE_NAME.test(uses);
}

/** The step runs another pipeline: a file beside this one or a registered one. */
export function isNestedUses(uses: string): boolean {
  return isNestedFileUses(uses) || isRegisteredPipelineUses(uses);
}

export interface RawStep {
  /** Path of the step's mapping in the file. */
  path: DataPath;
  /** The step in Caravan's form (Erda's form is translated). */
  step: Raw;
  stage?: number;
  /** For Erda's form: the action type, e.g. `git-checkout`. */
  erdaType?: string;
}

const STEP_KEYS = ['id', 'uses', 'run'];

export function collectSteps(data: Raw): RawStep[] {
  const found: RawStep[] = [];
  if (Array.isArray(data.stages)) {
    data.stages.forEach((stage, s) => {
      const items = Array.isArray(stage) ? stage : isRecord(stage) && Array.isArray(stage.stage) ? stage.stage : [];
      const base: DataPath = Array.isArray(stage) ? ['stages', s] : ['stages', s, 'stage'];
      items.forEach((item, i) => {
        const raw = toRawStep(item, [...base, i]);
        if (raw) found.push({ ...raw, stage: s });
      });
    });
  }
  if (Array.isArray(data.steps)) {
    data.steps.forEach((item, i) => {
      const raw = toRawStep(item, ['steps', i]);
      if (raw) found.push(raw);
    });
  }
  return found;
}

/** One key that is not a step field, holding a mapping (or nothing): the same test as the schema's. */
export function isErdaStep(item: Raw): boolean {
  const keys = Object.keys(item);
  const body = item[keys[0] as string];
  return (
    keys.length === 1 &&
    !STEP_KEYS.includes(keys[0] as string) &&
    (body === null || (typeof body === 'object' && !Array.isArray(body)))
  );
}

function toRawStep(item: unknown, path: DataPath): RawStep | undefined {
  if (!isRecord(item)) return undefined;
  if (!isErdaStep(item)) return { path, step: item };
  const erdaType = Object.keys(item)[0] as string;
  const body = isRecord(item[erdaType]) ? item[erdaType] : {};
  return { path, step: fromErda(erdaType, body), erdaType };
}

/** Erda's `git-checkout: {alias, version, params, image, commands, timeout, caches, if}`. */
function fromErda(type: string, body: Raw): Raw {
  const version = typeof body.version === 'string' && body.version.trim() !== '' ? body.version : '*';
  const step: Raw = { id: typeof body.alias === 'string' ? body.alias : type };
  const params = isRecord(body.params) ? body.params : {};
  if (type === 'custom-script') {
    step.uses = SHELL_ACTION;
    step.with = { ...params, run: Array.isArray(body.commands) ? body.commands.map(String).join('\n') : '' };
  } else {
    step.uses = `caravan/${type}@${version}`;
    step.with = { ...params };
  }
  for (const key of ['image', 'timeout', 'caches', 'if'] as const) if (key in body) step[key] = body[key];
  return step;
}

/** A step whose id is unique in the pipeline. */
export interface StepEntry {
  id: string;
  raw: RawStep;
}

/** Path in the file of a step field, for both step forms. */
export function fieldPath(raw: RawStep, field: string): DataPath {
  if (!raw.erdaType) return [...raw.path, field];
  const erdaField = field === 'id' ? 'alias' : field === 'with' ? 'params' : field;
  return [...raw.path, raw.erdaType, erdaField];
}
