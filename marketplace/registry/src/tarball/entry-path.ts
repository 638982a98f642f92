import { TarballError } from './tarball-error.js';

/** How errors name the archive and the folder it unpacks into. */
export interface PathWords {
  archive: string;
  folder: string;
}

const PACKAGE: PathWords = { archive: 'package', folder: 'the action folder' };

/** An entry's name as errors show it: quoted, and cut to 200 characters. */
export function shown(name: string): string {
  return JSON.stringify(name.slice(0, 200));
}

/**
 * Checks an entry's name and returns it normalised (`./a//b` → `a/b`). Rejects absolute paths,
 * `..` segments, backslashes and NUL bytes, whatever the platform that unpacks the archive.
 */
export function normaliseEntryPath(raw: string, maxPathBytes: number, words: PathWords = PACKAGE): string {
  if (Buffer.byteLength(raw) > maxPathBytes) {
    throw new TarballError(
      'invalid-path',
      `entry path ${shown(raw)}… is longer than ${maxPathBytes} bytes; shorten the file names`,
      raw.slice(0, 200),
    );
  }
  if (raw.includes('\0') || raw.includes('\\')) {
    throw new TarballError(
      'invalid-path',
      `entry path ${shown(raw)} contains a NUL byte or a backslash; use "/" as the only separator`,
      raw,
    );
  }
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    throw new TarballError(
      'absolute-path',
      `entry path ${shown(raw)} is absolute; a ${words.archive} may only hold paths relative to ${words.folder}`,
      raw,
    );
  }
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new TarballError(
      'path-traversal',
      `entry path ${shown(raw)} contains ".." and would be written outside ${words.folder}; remove it from the archive`,
      raw,
    );
  }
  if (segments.length === 0) {
    throw new TarballError('invalid-path', `entry path ${shown(raw)} is empty; every entry needs a relative path`, raw);
  }
  return segments.join('/');
}

export type LinkVerdict = 'inside' | 'outside' | 'loop';

const MAX_LINK_HOPS = 40;

/**
 * Follows a symlink through the archive's own tree (other symlinks included, as the OS would) and
 * says whether it ends inside the tree. `s -> .` plus `t -> s/..` escapes although each target
 * looks harmless on its own, so a purely textual check is not enough.
 */
export function followLink(linkPath: string, target: string, links: ReadonlyMap<string, string>): LinkVerdict {
  if (target.startsWith('/')) return 'outside';
  const stack = linkPath.split('/').slice(0, -1);
  const queue = target.split('/');
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return 'outside';
      stack.pop();
      continue;
    }
    stack.push(part);
    const next = links.get(stack.join('/'));
    if (next === undefined) continue;
    if (++hops > MAX_LINK_HOPS) return 'loop';
    if (next.startsWith('/')) return 'outside';
    stack.pop();
    queue.unshift(...next.split('/'));
  }
  return 'inside';
}
