import { existsSync, statSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeclaredFile, FileReport } from '../../spec/src/index.js';
import { describeFile } from './file-report.js';

/** Size and sha256 of each declared output file (a folder: total size, empty sha256), and those missing. */
export async function describeDeclaredFiles(files: DeclaredFile[], workdir: string): Promise<{ reports: FileReport[]; missing: DeclaredFile[] }> {
  const reports: FileReport[] = [];
  const missing: DeclaredFile[] = [];
  for (const declared of files) {
    const abs = resolve(workdir, declared.path);
    if (!existsSync(abs)) {
      missing.push(declared);
      continue;
    }
    const report = statSync(abs).isDirectory() ? { path: declared.path, size: await folderSize(abs), sha256: '' } : await describeFile(abs, declared.path, (t) => t);
    if (!report) continue;
    delete report.content;
    reports.push({ name: declared.name, ...report });
  }
  return { reports, missing };
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fsp.readdir(dir, { recursive: true })) {
    try {
      const info = await fsp.stat(join(dir, entry));
      if (info.isFile()) total += info.size;
    } catch {
      // vanished while counting
    }
  }
  return total;
}
