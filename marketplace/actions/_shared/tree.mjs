// Copying and measuring directory trees for the cache and artifact actions.
import { cpSync, lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Counts the regular files under `path` (or `path` itself) and their total size in bytes. */
export function treeStats(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return { files: stat.isFile() ? 1 : 0, bytes: stat.isFile() ? stat.size : 0 };
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(path)) {
    const sub = treeStats(join(path, entry));
    files += sub.files;
    bytes += sub.bytes;
  }
  return { files, bytes };
}

/** Copies a file or directory tree; symbolic links are copied as links, not followed. */
export function copyTree(from, to) {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true, force: true, errorOnExist: false });
}

/**
 * Moves the complete directory `staged` to `final` in one rename, so readers never see half a copy.
 * Returns false when `final` already exists (someone else got there first).
 */
export function publishDir(staged, final) {
  try {
    renameSync(staged, final);
    return true;
  } catch (err) {
    if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') {
      rmSync(staged, { recursive: true, force: true });
      return false;
    }
    throw err;
  }
}
