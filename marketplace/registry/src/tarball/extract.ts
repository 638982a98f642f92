import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inspectTarball } from './inspect.js';
import type { TarballLimits } from './limits.js';
import { TarballError } from './tarball-error.js';

/**
 * Checks a package exactly as `inspectTarball` does, then writes it to `destDir` atomically: into
 * a temporary sibling folder first, renamed into place only when complete. Fails with
 * `destination-exists` when `destDir` already holds something.
 */
export async function extractTarball(tgz: Buffer, destDir: string, limits?: Partial<TarballLimits>): Promise<void> {
  const pkg = await inspectTarball(tgz, limits);
  const parent = dirname(destDir);
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, `.${basename(destDir)}.tmp-`));
  try {
    for (const entry of pkg.entries) {
      if (entry.type === 'directory') await mkdir(join(tmp, entry.path), { recursive: true, mode: 0o755 });
    }
    for (const entry of pkg.entries) {
      if (entry.type !== 'file') continue;
      const target = join(tmp, entry.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await writeFile(target, pkg.file(entry.path) ?? Buffer.alloc(0), { mode: entry.mode, flag: 'wx' });
    }
    // Symlinks last, so no file is ever written through one.
    for (const entry of pkg.entries) {
      if (entry.type !== 'symlink' || entry.linkTarget === undefined) continue;
      const target = join(tmp, entry.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await symlink(entry.linkTarget, target);
    }
    try {
      await rename(tmp, destDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
        throw new TarballError('destination-exists', `${destDir} already exists; remove it first or extract elsewhere`);
      }
      throw err;
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
