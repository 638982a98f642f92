import { followLink, normaliseEntryPath, shown } from './entry-path.js';
import { allowedEntries, entryTypeOf } from './entry-type.js';
import { formatBytes } from './limits.js';
import type { TarEntry, TarEntryType } from './tar-entry.js';
import type { RawHeader } from './tar-header.js';
import type { TarPolicy } from './tar-policy.js';
import { TarballError } from './tarball-error.js';

/** Tracks the tree as entries arrive: counts, sizes, duplicates, entries under files or symlinks. */
export class TarTree {
  private readonly kinds = new Map<string, TarEntryType>();
  /** Ancestors of every entry so far: they must stay (or become) directories. */
  private readonly implied = new Set<string>();
  private readonly links = new Map<string, string>();
  entries = 0;
  bytes = 0;

  constructor(private readonly policy: TarPolicy) {}

  admit(h: RawHeader, pax: Map<string, string> | undefined): TarEntry {
    const { words } = this.policy;
    const rawName = pax?.get('path') ?? h.name;
    const rawLink = pax?.get('linkpath') ?? h.linkname;
    const type = entryTypeOf(h.typeflag, rawName, this.policy);
    if (type === 'file' && rawName.endsWith('/')) {
      throw new TarballError(
        'unsupported-entry',
        `entry ${shown(rawName)} is a regular file whose name ends in "/", which old tar readers unpack as a directory and others as a file; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type !== 'file' && h.size !== 0) {
      throw new TarballError(
        'unsupported-entry',
        `${type} entry ${shown(rawName)} carries ${h.size} bytes of data, which some readers skip and others read as the next header; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type !== 'symlink' && rawLink !== '') {
      throw new TarballError(
        'unsupported-entry',
        `${type} entry ${shown(rawName)} names a link target although it is not a link; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type === 'symlink' && !this.policy.symlinks) {
      throw new TarballError(
        'unsupported-entry',
        `entry ${shown(rawName)} is a symlink; ${allowedEntries(this.policy)}; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    const path = normaliseEntryPath(rawName, this.policy.maxPathBytes, words);
    if (this.entries + 1 > this.policy.maxEntries) {
      throw new TarballError(
        'too-many-entries',
        `the ${words.archive} has more than ${this.policy.maxEntries} entries (the limit); ${words.shrink}`,
        path,
      );
    }
    if (this.kinds.has(path)) {
      throw new TarballError(
        'duplicate-entry',
        `entry "${path}" appears twice in the archive; a ${words.archive} holds each path once`,
        path,
      );
    }
    this.checkPlace(path, type);
    if (type === 'file' && this.bytes + h.size > this.policy.maxBytes) {
      throw new TarballError(
        'too-large',
        `the ${words.archive} unpacks to more than ${formatBytes(this.policy.maxBytes)} (the limit) at entry "${path}" (${formatBytes(h.size)}); ${words.shrink}`,
        path,
      );
    }
    const entry: TarEntry = { path, type, size: type === 'file' ? h.size : 0, mode: 0o755 };
    if (type === 'file') entry.mode = h.mode & 0o111 ? 0o755 : 0o644;
    if (type === 'symlink') {
      entry.mode = 0o777;
      entry.linkTarget = this.checkLinkTarget(path, rawLink);
      this.links.set(path, entry.linkTarget);
    }
    this.entries += 1;
    this.bytes += entry.size;
    this.kinds.set(path, type);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) this.implied.add(parts.slice(0, i).join('/'));
    return entry;
  }

  /** No entry under a file or a symlink, and no file or symlink where earlier entries put a directory. */
  private checkPlace(path: string, type: TarEntryType): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      const kind = this.kinds.get(ancestor);
      if (kind === 'symlink') {
        throw new TarballError(
          'link-outside',
          `entry "${path}" lies under the symlink "${ancestor}"; a ${this.policy.words.archive} may not write through its own symlinks`,
          path,
        );
      }
      if (kind === 'file') {
        throw new TarballError(
          'invalid-path',
          `entry "${path}" lies under "${ancestor}", which is a file; fix the archive`,
          path,
        );
      }
    }
    if (type !== 'directory' && this.implied.has(path)) {
      throw new TarballError(
        type === 'symlink' ? 'link-outside' : 'invalid-path',
        `entry "${path}" is a ${type} but earlier entries lie under it; a ${this.policy.words.archive} may not write through its own ${type}s`,
        path,
      );
    }
  }

  private checkLinkTarget(path: string, target: string): string {
    if (
      target === '' ||
      target.startsWith('/') ||
      /^[A-Za-z]:/.test(target) ||
      target.includes('\0') ||
      target.includes('\\') ||
      Buffer.byteLength(target) > this.policy.maxPathBytes
    ) {
      throw new TarballError(
        'link-outside',
        `symlink "${path}" points to ${shown(target)}, outside ${this.policy.words.folder}; use a relative link to a file inside the ${this.policy.words.archive}`,
        path,
      );
    }
    return target;
  }

  /** Checks that need the whole archive: where each symlink ends up through the others. */
  finish(): void {
    for (const [path, target] of this.links) {
      const verdict = followLink(path, target, this.links);
      if (verdict !== 'inside') {
        const why = verdict === 'loop' ? 'forms a symlink loop' : `resolves outside ${this.policy.words.folder}`;
        throw new TarballError(
          'link-outside',
          `symlink "${path}" -> "${target}" ${why}; use a relative link to a file inside the ${this.policy.words.archive}`,
          path,
        );
      }
    }
  }
}
