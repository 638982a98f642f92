/** What owners and publishers change on a published version: deprecation, yanking, deletion, dist-tags. */
import semver from 'semver';
import { requireRole, type Principal } from '../auth/principal.js';
import { RegistryError } from '../errors.js';
import { parseActionName } from '../names.js';
import type { RegistryStore } from '../store/types.js';
import { auditEntry } from './audit-entry.js';
import { liveVersion } from './live-version.js';

const TAG = /^[a-z][a-z0-9._-]{0,63}$/;
const INTEGRITY_LIKE = /^sha(1|256|384|512)-/;

export class VersionChanges {
  constructor(private readonly store: RegistryStore) {}

  async deprecate(p: Principal, rawName: string, rawVersion: string, message: string): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'publisher', 'deprecate');
    await liveVersion(this.store, name, rawVersion);
    await this.store.changeVersion(
      name.full,
      rawVersion,
      { deprecated: message === '' ? null : message },
      auditEntry(p, message === '' ? 'undeprecate' : 'deprecate', `${name.full}@${rawVersion}`, name.scope, message),
    );
  }

  async setYanked(p: Principal, rawName: string, rawVersion: string, yanked: boolean): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'publisher', yanked ? 'yank' : 'unyank');
    await liveVersion(this.store, name, rawVersion);
    await this.store.changeVersion(
      name.full,
      rawVersion,
      { yanked },
      auditEntry(p, yanked ? 'yank' : 'unyank', `${name.full}@${rawVersion}`, name.scope),
    );
  }

  async delete(p: Principal, rawName: string, rawVersion: string): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'owner', 'delete');
    await liveVersion(this.store, name, rawVersion);
    await this.store.changeVersion(
      name.full,
      rawVersion,
      { delete: true },
      auditEntry(p, 'delete', `${name.full}@${rawVersion}`, name.scope),
    );
  }

  async setDistTag(p: Principal, rawName: string, tag: string, rawVersion: string): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'owner', 'set dist-tags');
    // Resolve reads a spec as an integrity, then a version, then a tag, then a range: a tag that looks like one of
    // the others could be set but never resolved.
    if (!TAG.test(tag) || semver.validRange(tag) !== null || INTEGRITY_LIKE.test(tag)) {
      throw new RegistryError(
        400,
        'invalid-tag',
        `"${tag.slice(0, 100)}" is not a valid dist-tag`,
        'tags start with a letter, use a-z, 0-9, ".", "_", "-", and must not look like a version, a range or an integrity (sha512-…)',
      );
    }
    const v = await liveVersion(this.store, name, rawVersion);
    if (tag === 'latest' && v.yanked)
      throw new RegistryError(
        409,
        'yanked',
        `${name.full}@${rawVersion} is yanked and cannot be latest`,
        'unyank it first',
      );
    await this.store.setDistTag(
      name.full,
      tag,
      rawVersion,
      auditEntry(p, 'dist-tag', `${name.full}@${rawVersion}`, name.scope, tag),
    );
  }
}
