/** Reads an action's `action.yml` into an ActionSpec through the spec's parser (errors are file:line:col). */
import { readFileSync } from 'node:fs';
import { formatIssue, parseActionYaml } from '@caravan/spec';
import type { ActionSpec } from '@caravan/spec';

export class ActionSpecError extends Error {}

export function loadActionSpec(file: string): ActionSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ActionSpecError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = parseActionYaml(text, file);
  if (!parsed.ok) throw new ActionSpecError(parsed.errors.map(formatIssue).join('\n'));
  return parsed.value;
}
