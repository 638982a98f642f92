/** Re-validates a package's action.yml on the server with the spec part's parser. */
import { formatIssue, parseActionYaml } from '@caravan/spec';
import { RegistryError } from './errors.js';

export interface ValidatedAction {
  name: string;
  version: string;
  description: string;
  category?: string;
  /** The parsed manifest, as stored and served (`spec` in the version API). */
  document: object;
}

export function validateActionYml(text: string): ValidatedAction {
  const result = parseActionYaml(text, 'action.yml');
  if (!result.ok) {
    const shown = result.errors.slice(0, 10).map(formatIssue).join('; ');
    throw new RegistryError(
      422,
      'invalid-action-yml',
      `action.yml is not valid: ${shown}`,
      'run `caravan action lint` on the folder and fix what it reports, then publish again',
    );
  }
  const spec = result.value;
  const out: ValidatedAction = {
    name: spec.name,
    version: spec.version,
    description: spec.description ?? '',
    document: spec,
  };
  if (spec.category !== undefined) out.category = spec.category;
  return out;
}
