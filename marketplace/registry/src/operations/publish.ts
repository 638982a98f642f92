/** Publishing a version: the package checked, its blob stored, then its row committed. */
import { createHash } from 'node:crypto';
import { requireRole, type Principal } from '../auth/principal.js';
import type { BlobStore } from '../blobs.js';
import { RegistryError } from '../errors.js';
import { parseActionName, type ActionName } from '../names.js';
import type { RegistryStore, VersionRecord } from '../store/types.js';
import { inspectTarball, TarballError, type TarballLimits } from '../tarball/index.js';
import { validateActionYml } from '../validate-action.js';
import { auditEntry } from './audit-entry.js';
import { checkVersion } from './live-version.js';

export type PublishCheckpoint = 'publish.blob-written' | 'publish.committed';

export interface Publisher {
  store: RegistryStore;
  blobs: BlobStore;
  limits: TarballLimits;
  /** Where a publish can be held up in tests, to prove its interleavings with `caravan registry gc`. */
  checkpoint: (point: PublishCheckpoint) => Promise<void>;
}

const MAX_README = 512 * 1024;

function tarballStatus(err: TarballError): number {
  if (err.code === 'too-large' || err.code === 'too-many-entries') return 413;
  if (err.code === 'not-gzip' || err.code === 'corrupt') return 400;
  return 422;
}

export async function publishVersion(
  to: Publisher,
  p: Principal,
  rawName: string,
  rawVersion: string,
  body: unknown,
  clientIntegrity: string | undefined,
): Promise<{ name: string; version: string; integrity: string }> {
  const name = parseActionName(rawName);
  const version = checkVersion(rawVersion);
  requireRole(p, name.scope, 'publisher', 'publish');
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new RegistryError(
      400,
      'empty-body',
      "the request body must be the gzip'd tarball",
      'send the bytes from `caravan action pack` with content-type application/gzip',
    );
  }
  const integrity = `sha512-${createHash('sha512').update(body).digest('base64')}`;
  if (clientIntegrity !== undefined && clientIntegrity !== integrity) {
    throw new RegistryError(
      400,
      'integrity-mismatch',
      `the body's sha512 (${integrity.slice(0, 24)}…) differs from x-caravan-integrity (${clientIntegrity.slice(0, 24)}…)`,
      'the upload was altered or truncated in transit: publish again',
    );
  }
  const existing = await to.store.getVersion(name.full, version);
  if (existing) throw conflict(name, version, existing.deletedAt !== undefined);
  let pkg;
  try {
    pkg = await inspectTarball(body, to.limits);
  } catch (err) {
    if (err instanceof TarballError) {
      throw new RegistryError(
        tarballStatus(err),
        `tarball-${err.code}`,
        err.message,
        err.entry ? `offending entry: ${err.entry.slice(0, 200)}` : undefined,
      );
    }
    throw err;
  }
  const action = validateActionYml(pkg.actionYml);
  if (action.name !== name.full || action.version !== version) {
    throw new RegistryError(
      422,
      'spec-mismatch',
      `action.yml says ${action.name}@${action.version} but the URL says ${name.full}@${version}`,
      'publish to the name and version written in action.yml (bump version there for a new release)',
    );
  }
  const sha256 = await to.blobs.put(body);
  await to.checkpoint('publish.blob-written');
  const record: VersionRecord = {
    name: name.full,
    version,
    integrity,
    sha256,
    size: body.length,
    spec: JSON.stringify(action.document),
    description: action.description,
    scope: name.scope,
    publishedAt: new Date().toISOString(),
    publisher: p.user,
    tokenId: p.tokenId,
    yanked: false,
  };
  if (pkg.readme !== undefined)
    record.readme =
      pkg.readme.length > MAX_README
        ? `${pkg.readme.slice(0, MAX_README)}\n\n… (README truncated by the registry at 512 KB)`
        : pkg.readme;
  if (action.category !== undefined) record.category = action.category;
  const outcome = await to.store.publish(
    record,
    auditEntry(p, 'publish', `${name.full}@${version}`, name.scope, integrity),
  );
  if (outcome !== 'created') throw conflict(name, version, outcome === 'tombstone');
  await to.checkpoint('publish.committed');
  // Only after the commit: a collection that took the blob before it saw the row (see gc.ts).
  if (!(await to.blobs.has(sha256))) await to.blobs.put(body);
  return { name: name.full, version, integrity };
}

function conflict(name: ActionName, version: string, deleted: boolean): RegistryError {
  return deleted
    ? new RegistryError(
        409,
        'version-deleted',
        `${name.full}@${version} was deleted and can never be published again`,
        'bump the version in action.yml',
      )
    : new RegistryError(
        409,
        'version-exists',
        `${name.full}@${version} already exists; versions are immutable`,
        'bump the version in action.yml',
      );
}
