/** Action names (`scope/name`, `org/project/name`, `~user/name`) and `uses: name@range`. */
import semver from 'semver';

export const ACTION_NAME_PATTERN =
  /^(~[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*|[a-z0-9][a-z0-9-]*\/([a-z0-9][a-z0-9-]*\/)?[a-z0-9][a-z0-9-]*)$/;

export function isActionName(name: string): boolean {
  return ACTION_NAME_PATTERN.test(name);
}

/** The scope of an action name: `acme`, `acme/payments` or `~alice`. */
export function actionScope(name: string): string {
  return name.slice(0, name.lastIndexOf('/'));
}

export type UsesResult =
  { ok: true; name: string; range: string } | { ok: false; part: 'name' | 'range'; message: string; hint: string };

/** Splits `scope/name@range` and checks both parts. */
export function parseUses(uses: string): UsesResult {
  const at = uses.lastIndexOf('@');
  if (at <= 0)
    return { ok: false, part: 'range', message: `"${uses}" has no version range`, hint: `add one, e.g. ${uses}@^1` };
  const name = uses.slice(0, at);
  const range = uses.slice(at + 1);
  if (!isActionName(name))
    return {
      ok: false,
      part: 'name',
      message: `"${name}" is not an action name`,
      hint: 'use scope/name, org/project/name or ~user/name in lowercase letters, digits and -',
    };
  if (semver.validRange(range) === null)
    return { ok: false, part: 'range', message: `"${range}" is not a semver range`, hint: 'e.g. ^1, ~1.2, 1.2.3 or *' };
  return { ok: true, name, range };
}
