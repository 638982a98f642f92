/**
 * Packing a workspace path into a tar, and unpacking one through the registry's strict tar reader
 * (the same allow-list of entry types and size accounting as a package): nothing is written
 * unless the whole archive is accepted.
 */
import { createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, rename, rm, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { readTar, type TarEntry, type TarPolicy } from '@caravan/registry';

/** Tars `path` (a file or a directory, recursively) with entry names relative to `base`. */
export function packPath(base: string, path: string): Readable {
  const pack = tar.pack();
  const add = async (abs: string): Promise<void> => {
    const st = lstatSync(abs);
    const name = relative(base, abs).split(sep).join('/');
    if (st.isDirectory()) {
      if (name) pack.entry({ name: name + '/', type: 'directory', mode: st.mode & 0o777, mtime: st.mtime });
      for (const child of readdirSync(abs).sort()) await add(join(abs, child));
    } else if (st.isSymbolicLink()) {
      pack.entry({ name, type: 'symlink', linkname: readlinkSync(abs), mode: st.mode & 0o777 });
    } else if (st.isFile()) {
      const entry = pack.entry({ name, size: st.size, mode: st.mode & 0o777, mtime: st.mtime });
      await pipeline(createReadStream(abs), entry);
    }
  };
  add(path).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return pack as unknown as Readable;
}

/** Writes what `readTar` yields under `root`; symlinks last, once the whole archive was accepted. */
async function writeTree(input: AsyncIterable<Uint8Array>, root: string, policy: TarPolicy): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const links: TarEntry[] = [];
  for await (const { entry, body } of readTar(input, policy)) {
    entries.push(entry);
    const target = join(root, entry.path);
    if (entry.type === 'directory') {
      await mkdir(target, { recursive: true, mode: 0o755 });
    } else if (entry.type === 'file') {
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await removeNonDirectory(target);
      await pipeline(body, createWriteStream(target, { flags: 'wx', mode: entry.mode }));
    } else {
      links.push(entry);
    }
  }
  for (const link of links) {
    const target = join(root, link.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await removeNonDirectory(target);
    await symlink(link.linkTarget ?? '', target);
  }
  return entries;
}

/** Removes a file or symlink at `path` (never following it); a folder there is left for mkdir to fail on. */
async function removeNonDirectory(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info && !info.isDirectory()) await unlink(path);
}

/**
 * Unpacks a tar into `dest`, which must not exist: into a temporary sibling first, renamed into
 * place once the whole archive was read and accepted, so a refused archive leaves nothing behind.
 * Returns the entries. Throws `TarballError` for anything `policy` refuses.
 */
export async function unpackFresh(
  input: AsyncIterable<Uint8Array>,
  dest: string,
  policy: TarPolicy,
): Promise<TarEntry[]> {
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, `.${basename(dest)}.tmp-`));
  try {
    const entries = await writeTree(input, tmp, policy);
    await rename(tmp, dest);
    return entries;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Unpacks a tar into the existing folder `dest` (a step's workspace). `open` is called twice and
 * must give the same bytes: the first read checks the whole archive and where each entry would
 * land (never through a symlink or a file already in `dest`), the second writes. Files and
 * symlinks already there are replaced. Returns the entries.
 */
export async function unpackInto(
  open: () => AsyncIterable<Uint8Array>,
  dest: string,
  policy: TarPolicy,
): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const { entry } of readTar(open(), policy)) entries.push(entry);
  for (const entry of entries) await checkLanding(dest, entry);
  return writeTree(open(), dest, policy);
}

async function checkLanding(dest: string, entry: TarEntry): Promise<void> {
  const parts = entry.path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const info = await lstat(join(dest, rel)).catch(() => undefined);
    if (!info) return;
    const last = i === parts.length;
    if (info.isDirectory()) {
      if (last && entry.type !== 'directory') {
        throw new Error(`"${rel}" is a folder in ${dest} but a ${entry.type} in the archive; remove the folder first`);
      }
      continue;
    }
    if (last && entry.type !== 'directory') return;
    const what = info.isSymbolicLink() ? 'a symlink' : 'a file';
    throw new Error(
      `"${rel}" is ${what} in ${dest} where the archive has a folder; the archive is not unpacked through it (remove it first)`,
    );
  }
}
