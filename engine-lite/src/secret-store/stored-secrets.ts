/**
 * A run's secrets with stored ones filled in: the secrets given with the run (`--secret`, env,
 * secrets file, the API's `secrets`) win; a name not given is taken from the pipeline's own stored
 * secret, else the server-level one. Only the names the pipeline declares are read.
 */
import { existsSync } from 'node:fs';
import type { Pipeline } from '@caravan/spec';
import { SecretsError } from '../secrets.js';
import { SecretStore, secretStorePath } from './secret-store.js';

/**
 * The pipeline identity its stored secrets are kept under: the name it is registered under when it
 * is a registered pipeline's run (whatever its `name:` says), else its `name:`.
 */
export function secretScope(pipeline: Pick<Pipeline, 'name' | 'registered'>): string {
  return pipeline.registered?.name ?? pipeline.name;
}

/** What `valuesFor` needs: an open SecretStore, or a stand-in in tests. */
export type StoredSecretSource = Pick<SecretStore, 'valuesFor'>;

/** The secrets the pipeline declares that are neither given nor stored (none stored when `stored` is absent). */
export function missingSecrets(
  pipeline: Pick<Pipeline, 'name' | 'secrets' | 'registered'>,
  given: Readonly<Record<string, string>> = {},
  stored?: StoredSecretSource,
): string[] {
  const wanted = pipeline.secrets.filter((n) => !(n in given));
  if (wanted.length === 0) return [];
  const found = stored ? stored.valuesFor(secretScope(pipeline), wanted) : {};
  return wanted.filter((n) => !(n in found));
}

/** The given secrets, with the pipeline's declared names not given filled from the store. */
export function withStoredSecrets(
  pipeline: Pick<Pipeline, 'name' | 'secrets' | 'registered'>,
  given: Readonly<Record<string, string>>,
  stored?: StoredSecretSource,
): Record<string, string> {
  const wanted = pipeline.secrets.filter((n) => !(n in given));
  return { ...(stored && wanted.length > 0 ? stored.valuesFor(secretScope(pipeline), wanted) : {}), ...given };
}

export function missingSecretsError(
  pipeline: Pick<Pipeline, 'name' | 'file' | 'registered'>,
  missing: string[],
): SecretsError {
  const s = missing.length > 1 ? 's' : '';
  return new SecretsError(
    `${pipeline.file}: secret${s} ${missing.join(', ')} declared by pipeline "${secretScope(pipeline)}" ${missing.length > 1 ? 'are' : 'is'} neither given nor stored: store ${missing.length > 1 ? 'each' : 'it'} with caravan secrets set ${missing[0]} [--pipeline ${secretScope(pipeline)}], or pass --secret ${missing[0]}=VALUE`,
  );
}

/**
 * For `caravan run` on the local engine: the run's secrets with stored ones from `$CARAVAN_HOME`
 * filled in; throws SecretsError naming every missing one. The store (and its key) is opened only
 * when a declared secret was not given.
 */
export function localRunSecrets(
  pipeline: Pick<Pipeline, 'name' | 'file' | 'secrets'>,
  given: Readonly<Record<string, string>>,
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const wanted = pipeline.secrets.filter((n) => !(n in given));
  if (wanted.length === 0) return { ...given };
  const store = existsSync(secretStorePath(home)) ? new SecretStore(home, env) : undefined;
  try {
    const all = withStoredSecrets(pipeline, given, store);
    const missing = pipeline.secrets.filter((n) => !(n in all));
    if (missing.length > 0) throw missingSecretsError(pipeline, missing);
    return all;
  } finally {
    store?.close();
  }
}
