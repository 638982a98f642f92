import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { IgnoreRules } from './ignore-rules.js';
import { inspectTarball } from './inspect.js';
import { sha256Hex, sha512Integrity } from './integrity.js';
import { formatBytes, withDefaults, type TarballLimits } from './limits.js';
import { TarballError } from './tarball-error.js';

/** Every entry carries this mtime, so the bytes depend on content alone. */
const FIXED_MTIME = new Date(Date.UTC(2000, 0, 1));

export interface PackedAction {
  tarball: Buffer;
  /** `sha512-<base64>` of the tarball. */
  integrity: string;
  /** Hex sha256 of the tarball (the blob store's key). */
  sha256: string;
  /** Packed paths, sorted. */
  files: string[];
}

interface SourceEntry {
  path: string;
  header: Partial<Header> & { name: string };
  body?: Buffer;
}

async function collect(root: string, limits: TarballLimits): Promise<SourceEntry[]> {
  const rules = await IgnoreRules.load(root);
  const found: SourceEntry[] = [];
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const stat = await lstat(abs);
      if (rules.ignores(path, stat.isDirectory())) continue;
      if (stat.isDirectory()) {
        await walk(path);
        continue;
      }
      if (found.length + 1 > limits.maxEntries) {
        throw new TarballError(
          'too-many-entries',
          `${root} holds more than ${limits.maxEntries} files (the limit); list generated or vendored files in .caravanignore`,
          path,
        );
      }
      const header: SourceEntry['header'] = { name: path, mtime: FIXED_MTIME, uid: 0, gid: 0 };
      if (stat.isSymbolicLink()) {
        found.push({ path, header: { ...header, type: 'symlink', mode: 0o777, linkname: await readlink(abs) } });
      } else if (stat.isFile()) {
        bytes += stat.size;
        if (bytes > limits.maxUnpackedBytes) {
          throw new TarballError(
            'too-large',
            `${root} holds more than ${formatBytes(limits.maxUnpackedBytes)} of files (the limit) by "${path}"; list large files in .caravanignore`,
            path,
          );
        }
        const mode = stat.mode & 0o111 ? 0o755 : 0o644;
        found.push({ path, header: { ...header, type: 'file', mode }, body: await readFile(abs) });
      } else {
        throw new TarballError(
          'device-file',
          `cannot pack "${path}": it is not a file, folder or symlink (socket, FIFO or device); remove it or list it in .caravanignore`,
          path,
        );
      }
    }
  };
  await walk('');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function writeTar(entries: SourceEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) => {
      tar.entry(entry.header, entry.body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Packs an action folder into a reproducible gzip'd tarball: sorted entries, fixed mtime, no owner
 * ids or names, modes 0644/0755, no directory entries; skips `node_modules`, `.git` and whatever
 * `.caravanignore` lists. The result is checked exactly as the registry will check it.
 */
export async function packAction(dir: string, limits?: Partial<TarballLimits>): Promise<PackedAction> {
  const l = withDefaults(limits);
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new TarballError(
      'not-a-directory',
      `${dir} is not a folder; pass the action's folder (the one holding action.yml)`,
    );
  }
  const entries = await collect(dir, l);
  const tarball = gzipSync(await writeTar(entries), { level: 9 });
  await inspectTarball(tarball, l);
  return {
    tarball,
    integrity: sha512Integrity(tarball),
    sha256: sha256Hex(tarball),
    files: entries.map((e) => e.path),
  };
}
