/**
 * A run's secrets, kept apart by scope: stored secrets reach only code an admin registered. A
 * registered pipeline's run reads, for itself and for each registered pipeline it nests, that
 * pipeline's own stored secrets (under its registered name, then the server's); an ad-hoc run
 * (POST /v1/runs) and everything it nests get only the secrets sent with it. Each pipeline of the
 * tree gets just the names it declares, so a child never sees its parent's values, nor the reverse.
 */
import type { Pipeline } from '@caravan/spec';
import { withStoredSecrets, type StoredSecretSource } from './stored-secrets.js';

/** A run's secrets by the key of the pipeline that declared them (`scopeKey`). */
export type ScopedSecrets = Record<string, Record<string, string>>;

/** The key a (nested) run's secrets are kept under: its registered name, or '' for code sent with a run. */
export function scopeKey(pipeline: Pick<Pipeline, 'registered'>): string {
  return pipeline.registered?.name ?? '';
}

export interface ScopedResult {
  scoped: ScopedSecrets;
  /** Each pipeline of the tree whose declared secrets were neither given nor (when it may read them) stored. */
  missing: Array<{ pipeline: Pipeline; names: string[] }>;
}

/**
 * `tree`: the run's pipeline and those it nests. `registered`: whether the run is a registered
 * pipeline's (then its registered pipelines read their stored secrets); given secrets win.
 */
export function scopeSecrets(
  tree: readonly Pipeline[],
  given: Readonly<Record<string, string>>,
  stored: StoredSecretSource | undefined,
  registered: boolean,
): ScopedResult {
  const scoped: ScopedSecrets = {};
  const missing: ScopedResult['missing'] = [];
  for (const p of tree) {
    const values = registered && p.registered ? withStoredSecrets(p, given, stored) : given;
    const own = Object.fromEntries(p.secrets.filter((n) => n in values).map((n) => [n, values[n]!]));
    const key = scopeKey(p);
    scoped[key] = { ...scoped[key], ...own };
    const lacking = p.secrets.filter((n) => !(n in own));
    if (lacking.length > 0) missing.push({ pipeline: p, names: lacking });
  }
  return { scoped, missing };
}

/** Every value of every scope (to be masked). */
export function allValues(scoped: ScopedSecrets): string[] {
  return Object.values(scoped).flatMap((s) => Object.values(s));
}
