/**
 * What a nested step (`uses: ./deploy/pipeline.yml`) stands on in the engine: no action to fetch,
 * but a fixed entry in the run's actions, run by the `pipeline` executor (pipeline-executor.ts).
 */
import { NESTED_ACTION } from '@caravan/spec';
import type { LoadedAction } from '../actions/resolver.js';
import type { ResolvedAction } from '../store/types.js';

const [name, range] = NESTED_ACTION.split('@') as [string, string];

export const NESTED_RESOLVED: ResolvedAction = {
  name,
  range,
  version: '1.0.0',
  integrity: 'none: the step runs a pipeline file, read when the step starts',
  source: 'builtin',
};

export function isNestedAction(resolved: ResolvedAction): boolean {
  return resolved.name === NESTED_RESOLVED.name && resolved.integrity === NESTED_RESOLVED.integrity;
}

export function nestedLoadedAction(): LoadedAction {
  return {
    resolved: NESTED_RESOLVED,
    spec: {
      name,
      version: NESTED_RESOLVED.version,
      description: 'Runs another pipeline as a run of its own; its outputs: become the step outputs.',
      inputs: {},
      outputs: {},
      dynamicOutputs: true,
      runs: { command: 'caravan-nested-pipeline' },
      files: [],
      caches: [],
    },
    dir: '',
  };
}
