/**
 * Files passed between steps and step caches, on the host side of the workspace:
 * - a declared file arrives from the agent as a tar and is stored as a blob; before a dependant
 *   starts it is unpacked into `<workspace>/.caravan/files/<stepId>/<name>/`, and
 *   `${{ steps.<id>.files.<name> }}` is that folder, or the one file in it when the tar held one file;
 * - a cache (`key`, `path`) is a tar of `path` stored under the key's sha256, restored before the
 *   step and saved after it succeeded (last writer wins, written atomically).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobSource } from './blobs.js';
import type { FileRecord } from './store/types.js';
import { packPath, unpackTo } from './tar.js';

export async function restoreFile(blobs: BlobSource, file: FileRecord, workspace: string): Promise<string> {
  const dir = join(workspace, '.caravan', 'files', file.stepId, file.name);
  rmSync(dir, { recursive: true, force: true });
  const names = await unpackTo(blobs.read(file.sha256), dir);
  const regular = names.filter((n) => !n.endsWith('/'));
  return regular.length === 1 && names.length === 1 ? join(dir, regular[0]!) : dir;
}

export function cacheFile(cacheDir: string, key: string): string {
  return join(cacheDir, `${createHash('sha256').update(key).digest('hex')}.tar`);
}

/** Checks that `path` stays inside the workspace; returns its absolute form. */
export function workspacePath(workspace: string, path: string): string {
  const root = resolve(workspace);
  const abs = resolve(root, path);
  if (abs !== root && !abs.startsWith(root + sep))
    throw new Error(`path "${path}" leaves the step's workspace: use a path inside it`);
  return abs;
}

/** Restores a cache into the workspace; returns whether there was one. */
export async function restoreCache(cacheDir: string, key: string, workspace: string): Promise<boolean> {
  const file = cacheFile(cacheDir, key);
  if (!existsSync(file)) return false;
  await unpackTo(createReadStream(file), workspace);
  return true;
}

export async function saveCache(cacheDir: string, key: string, workspace: string, path: string): Promise<boolean> {
  const abs = workspacePath(workspace, path);
  if (!existsSync(abs)) return false;
  mkdirSync(cacheDir, { recursive: true });
  const dest = cacheFile(cacheDir, key);
  const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await pipeline(packPath(resolve(workspace), abs), createWriteStream(tmp));
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
  return true;
}
