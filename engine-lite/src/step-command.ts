/** The command the agent runs for an action, from its `runs:`. */
import { join } from 'node:path';
import type { ActionSpec } from '@caravan/spec';

export interface StepCommand {
  command: string[];
  image?: string;
}

export function actionCommand(spec: ActionSpec, actionDir: string, nodePath = process.execPath): StepCommand {
  const runs = spec.runs;
  if ('node' in runs) return { command: [nodePath, join(actionDir, runs.node), ...(runs.args ?? [])] };
  if ('image' in runs)
    return { image: runs.image, command: runs.command ? [runs.command, ...(runs.args ?? [])] : [...(runs.args ?? [])] };
  return { command: [runs.command, ...(runs.args ?? [])] };
}
