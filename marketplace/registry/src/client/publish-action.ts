/** Publishing: pack an action folder, upload the tarball, and check the integrity the registry recorded. */
import { inspectTarball, packAction, sha512Integrity } from '../tarball/index.js';
import { versionPath } from './api-paths.js';
import { IntegrityError } from './client-errors.js';
import type { HttpTransport } from './http-transport.js';
import { sendForJson } from './json-answer.js';
import { nameAndVersion } from './name-and-version.js';
import type { Published } from './types.js';

export interface PublishProgress {
  phase: 'packed' | 'uploading' | 'done';
  bytes: number;
}

/** Packs `dir`; gives the tarball with the name and version its action.yml declares. */
export async function packForPublish(
  dir: string,
  onProgress?: (p: PublishProgress) => void,
): Promise<{ tarball: Buffer; name: string; version: string }> {
  const packed = await packAction(dir);
  onProgress?.({ phase: 'packed', bytes: packed.tarball.length });
  const { name, version } = nameAndVersion((await inspectTarball(packed.tarball)).actionYml, dir);
  return { tarball: packed.tarball, name, version };
}

export async function uploadTarball(
  http: HttpTransport,
  tarball: Buffer,
  name: string,
  version: string,
  onProgress?: (p: PublishProgress) => void,
): Promise<Published> {
  const integrity = sha512Integrity(tarball);
  onProgress?.({ phase: 'uploading', bytes: tarball.length });
  const published = await sendForJson<Published>(
    http,
    {
      method: 'PUT',
      path: versionPath(name, version),
      body: tarball,
      headers: { 'content-type': 'application/gzip', 'x-caravan-integrity': integrity },
    },
    ['name', 'version', 'integrity'],
  );
  if (published.integrity !== integrity) {
    throw new IntegrityError(
      integrity,
      published.integrity,
      `${name}@${version} as recorded by ${http.displayUrl} after publishing`,
    );
  }
  onProgress?.({ phase: 'done', bytes: tarball.length });
  return published;
}
