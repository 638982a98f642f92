/**
 * Action names and the scopes they live in. A name fixes its scope, so resolution never falls
 * through from one scope to another (no dependency confusion).
 */
import { RegistryError } from './errors.js';

export type ScopeKind = 'enterprise' | 'project' | 'personal' | 'builtin';

export interface ActionName {
  /** The full name as written, e.g. `acme/payments/deploy`. */
  full: string;
  kind: ScopeKind;
  /** The scope the action lives in: `acme`, `acme/payments`, `~alice` or `caravan`. */
  scope: string;
  /** The organisation (`acme`), or the user for a personal scope (`alice`). */
  owner: string;
  project?: string;
  /** The last segment. */
  base: string;
}

export const RESERVED_ORG = 'caravan';
const SEGMENT = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function badName(name: string, why: string): RegistryError {
  return new RegistryError(
    400,
    'invalid-name',
    `invalid action name "${name.slice(0, 200)}": ${why}`,
    'names are org/name, org/project/name or ~user/name; segments use a-z, 0-9, ".", "_", "-" and start with a letter or digit',
  );
}

export function parseActionName(name: string): ActionName {
  const parts = name.split('/');
  if (parts.length < 2 || parts.length > 3) throw badName(name, `expected 2 or 3 segments, got ${parts.length}`);
  const first = parts[0] ?? '';
  const personal = first.startsWith('~');
  const owner = personal ? first.slice(1) : first;
  for (const seg of [owner, ...parts.slice(1)]) {
    if (!SEGMENT.test(seg)) throw badName(name, `segment "${seg.slice(0, 80)}" is not allowed`);
  }
  const base = parts[parts.length - 1] ?? '';
  if (personal) {
    if (parts.length !== 2) throw badName(name, 'a personal scope has no projects: use ~user/name');
    return { full: name, kind: 'personal', scope: first, owner, base };
  }
  const project = parts.length === 3 ? parts[1] : undefined;
  const scope = project ? `${owner}/${project}` : owner;
  const kind: ScopeKind = owner === RESERVED_ORG ? 'builtin' : project ? 'project' : 'enterprise';
  return project ? { full: name, kind, scope, owner, project, base } : { full: name, kind, scope, owner, base };
}

/** A grant target: `acme`, `acme/payments` or `~alice`. */
export function parseScope(scope: string): { org: string; project?: string; personal: boolean } {
  const hint = 'scopes are org, org/project or ~user';
  const parts = scope.split('/');
  const first = parts[0] ?? '';
  const personal = first.startsWith('~');
  const org = personal ? first.slice(1) : first;
  const ok =
    parts.length >= 1 && parts.length <= (personal ? 1 : 2) && [org, ...parts.slice(1)].every((s) => SEGMENT.test(s));
  if (!ok) throw new RegistryError(400, 'invalid-scope', `invalid scope "${scope.slice(0, 200)}"`, hint);
  const project = parts[1];
  return project ? { org, project, personal } : { org, personal };
}

/** Whether a token's scope entry (`*`, `acme`, `acme/payments`, `~alice`) covers an action's scope. */
export function scopeCovers(entry: string, scope: string): boolean {
  return entry === '*' || entry === scope || scope.startsWith(`${entry}/`);
}
