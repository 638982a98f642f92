import semver from 'semver';
import { RegistryError } from '../errors.js';
import type { ActionName } from '../names.js';
import type { RegistryStore, VersionRecord } from '../store/types.js';

/** `version` itself when it is an exact semver version; a 400 otherwise. */
export function checkVersion(version: string): string {
  if (semver.valid(version) !== version) {
    throw new RegistryError(
      400,
      'invalid-version',
      `"${version.slice(0, 100)}" is not an exact semver version`,
      'use a version such as 1.2.0 or 2.0.0-rc.1 (no leading "v")',
    );
  }
  return version;
}

/** A published version that was not deleted; a 404 saying which otherwise. */
export async function liveVersion(store: RegistryStore, name: ActionName, version: string): Promise<VersionRecord> {
  const v = await store.getVersion(name.full, checkVersion(version));
  if (!v)
    throw new RegistryError(
      404,
      'not-found',
      `${name.full}@${version} does not exist`,
      `list the versions with GET /v1/actions/${name.full}/-/versions`,
    );
  if (v.deletedAt)
    throw new RegistryError(
      404,
      'deleted',
      `${name.full}@${version} was deleted on ${v.deletedAt}`,
      'pick another version; a deleted version can never be published again',
    );
  return v;
}
