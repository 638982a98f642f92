/** Loads the `action.yml` of an action folder, turning spec problems into one readable error. */
import { resolve } from 'node:path';
import { formatIssue, loadActionFile, type ActionSpec } from '@caravan/spec';

export class ActionLoadError extends Error {}

export async function loadActionDir(dir: string): Promise<{ dir: string; spec: ActionSpec; warnings: string[] }> {
  const abs = resolve(dir);
  const result = await loadActionFile(abs);
  if (!result.ok) {
    throw new ActionLoadError(
      `${abs} is not a valid action:\n${result.errors.map((e) => `  ${formatIssue(e)}`).join('\n')}`,
    );
  }
  return { dir: abs, spec: result.value, warnings: result.warnings.map(formatIssue) };
}
