/**
 * Files passed between steps and step caches, on the host side of the workspace:
 * - a declared file arrives from the agent as a tar and is stored as a blob; before a dependant
 *   starts it is unpacked into `<workspace>/.caravan/files/<stepId>/<name>/`, and
 *   `${{ steps.<id>.files.<name> }}` is that folder, or the one file in it when the tar held one file;
 * - a cache (`key`, `path`) is a tar of `path` stored under the key's sha256, restored before the
 *   step and saved after it succeeded (last writer wins, written atomically).
 * Both are unpacked by the registry's strict tar reader: a step file may hold only regular files and
 * folders (what caravan-agent tars), a cache also symlinks inside it (what `packPath` writes);
 * hardlinks and every other entry type are refused, and nothing is written unless the whole
 * archive is accepted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TarballError, type TarPolicy } from '@caravan/registry';
import type { BlobSource } from './blobs.js';
import type { FileRecord } from './store/types.js';
import { packPath, unpackFresh, unpackInto } from './tar.js';

/** The most a declared file (its tar) may weigh, uploaded and unpacked. */
export const MAX_STEP_FILE_BYTES = 1024 * 1024 * 1024;
const MAX_STEP_FILE_ENTRIES = 100_000;
const MAX_PATH_BYTES = 4096;

/** What a step file may hold: caravan-agent tars regular files and folders, following symlinks. */
export function stepFilePolicy(maxBytes = MAX_STEP_FILE_BYTES): TarPolicy {
  return {
    maxEntries: MAX_STEP_FILE_ENTRIES,
    maxBytes,
    maxPathBytes: MAX_PATH_BYTES,
    symlinks: false,
    words: {
      archive: 'step file',
      folder: 'its folder',
      remedy: 'declared files are uploaded by caravan-agent, which tars only regular files and folders',
      shrink: 'declare fewer or smaller files',
    },
  };
}

/** What a cache may hold: what `packPath` writes, at most as many bytes as the archive itself. */
function cachePolicy(archiveBytes: number): TarPolicy {
  return {
    maxEntries: Number.MAX_SAFE_INTEGER,
    maxBytes: archiveBytes,
    maxPathBytes: MAX_PATH_BYTES,
    symlinks: true,
    words: {
      archive: 'cache',
      folder: 'the workspace',
      remedy: 'delete the cache file; the next successful step saves it again',
      shrink: 'cache a smaller path',
    },
  };
}

/**
 * `<root>/<segments...>` as real folders: a file or symlink in the way (a step may leave one in
 * its workspace for its next attempt) is removed, never followed.
 */
function realDir(root: string, segments: string[]): string {
  mkdirSync(root, { recursive: true });
  let at = root;
  for (const segment of segments) {
    at = join(at, segment);
    const info = lstatSync(at, { throwIfNoEntry: false });
    if (info?.isDirectory()) continue;
    if (info) rmSync(at, { force: true });
    mkdirSync(at, { mode: 0o755 });
  }
  return at;
}

const PLAIN_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Unpacks a declared file of an earlier step into `<workspace>/.caravan/files/<step>/<name>/` and
 * returns that folder, or the file itself when the tar held one file. Refuses (writing nothing) a
 * tar with anything but regular files and folders, or that unpacks to more than `maxBytes`.
 */
export async function restoreFile(
  blobs: BlobSource,
  file: FileRecord,
  workspace: string,
  maxBytes = MAX_STEP_FILE_BYTES,
): Promise<string> {
  for (const part of [file.stepId, file.name]) {
    if (!PLAIN_NAME.test(part) || part === '.' || part === '..') {
      throw new Error(`step file "${file.stepId}/${file.name}" has an invalid name; it is not unpacked`);
    }
  }
  const dir = join(realDir(workspace, ['.caravan', 'files', file.stepId]), file.name);
  rmSync(dir, { recursive: true, force: true });
  let entries;
  try {
    entries = await unpackFresh(blobs.read(file.sha256), dir, stepFilePolicy(maxBytes));
  } catch (err) {
    if (err instanceof TarballError) {
      throw new TarballError(
        err.code,
        `step file "${file.name}" of step "${file.stepId}" was refused: ${err.message}`,
        err.entry,
      );
    }
    throw err;
  }
  const only = entries.length === 1 ? entries[0] : undefined;
  return only?.type === 'file' ? join(dir, only.path) : dir;
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
  // One open file for both reads (check, then write), so a concurrent save cannot swap it between them.
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    mkdirSync(workspace, { recursive: true });
    await unpackInto(() => handle.createReadStream({ start: 0, autoClose: false }), workspace, cachePolicy(size));
  } finally {
    await handle.close();
  }
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
