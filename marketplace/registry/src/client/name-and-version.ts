import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { parseActionName } from '../names.js';
import { checkedLocally } from './client-errors.js';

/** The `name` and `version` an action.yml declares; full validation is the spec's job. */
export function nameAndVersion(actionYml: string, dir: string): { name: string; version: string } {
  let doc: unknown;
  try {
    doc = parseYaml(actionYml);
  } catch (err) {
    throw new Error(`${dir}/action.yml is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { name, version } = (doc && typeof doc === 'object' ? doc : {}) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string') throw new Error(`${dir}/action.yml has no "name" (e.g. name: acme/lint)`);
  checkedLocally(() => parseActionName(name));
  if (typeof version !== 'string' || semver.valid(version) === null) {
    throw new Error(
      `${dir}/action.yml: "version" must be an exact semver version such as 1.2.0, got ${JSON.stringify(version ?? null)}`,
    );
  }
  return { name, version };
}
