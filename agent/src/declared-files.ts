import { existsSync, statSync, promises as fsp } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { DeclaredFile, FileReport } from '@caravan/spec';
import { describeFile } from './file-report.js';

/**
 * Size and sha256 of each declared output file, and those missing. A folder gets its total size
 * and the sha256 of its canonical listing (see folderDigest).
 */
export async function describeDeclaredFiles(
  files: DeclaredFile[],
  workdir: string,
): Promise<{ reports: FileReport[]; missing: DeclaredFile[] }> {
  const reports: FileReport[] = [];
  const missing: DeclaredFile[] = [];
  for (const declared of files) {
    const abs = resolve(workdir, declared.path);
    if (!existsSync(abs)) {
      missing.push(declared);
      continue;
    }
    const report = statSync(abs).isDirectory()
      ? { path: declared.path, ...(await folderDigest(abs)) }
      : await describeFile(abs, declared.path, (t) => t);
    if (!report) continue;
    delete report.content;
    reports.push({ name: declared.name, ...report });
  }
  return { reports, missing };
}

/**
 * The content identity of a folder: sha256 of one line per regular file, sorted by `/`-separated
 * relative path, `<path>\0<sha256 hex of the content>\n`; a symbolic link is `<path>\0-> <target>\n`.
 * Equal trees give equal digests whatever the file times, owners or listing order.
 */
export async function folderDigest(dir: string): Promise<{ size: number; sha256: string }> {
  const { createHash } = await import('node:crypto');
  const entries = (await fsp.readdir(dir, { recursive: true })).map((e) => e.split(sep).join('/')).sort();
  const listing = createHash('sha256');
  let size = 0;
  for (const entry of entries) {
    const abs = join(dir, entry);
    try {
      const info = await fsp.lstat(abs);
      if (info.isSymbolicLink()) listing.update(`${entry}\0-> ${await fsp.readlink(abs)}\n`);
      if (!info.isFile()) continue;
      const file = await describeFile(abs, entry, (t) => t);
      if (!file) continue;
      size += file.size;
      listing.update(`${entry}\0${file.sha256}\n`);
    } catch {
      // vanished while listing
    }
  }
  return { size, sha256: listing.digest('hex') };
}
