/** Loads the `action.yml` of an action folder, turning spec problems into one readable error. */
import { resolve } from 'node:path';
import { formatIssue, loadActionFile, type ActionSpec } from '@caravan/spec';
import { UsageError } from '../base-command.js';
import { invalidFileError } from '../print-issues.js';

/** The folder holds no valid action.yml (exit 2); the message lists each error with file:line:col. */
export class ActionLoadError extends UsageError {}

export async function loadActionDir(dir: string): Promise<{ dir: string; spec: ActionSpec; warnings: string[] }> {
  const abs = resolve(dir);
  const result = await loadActionFile(abs);
  if (!result.ok) throw new ActionLoadError(invalidFileError(`${abs} is not a valid action`, result.errors).message);
  return { dir: abs, spec: result.value, warnings: result.warnings.map(formatIssue) };
}
