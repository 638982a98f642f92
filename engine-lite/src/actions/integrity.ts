/**
 * Integrity of a built-in action folder: `sha512-<base64>` of a canonical listing of its files —
 * for each regular file, sorted by its `/`-separated relative path, the line
 * `<path>\0<sha512 hex of the content>\n`. Dot-files, `node_modules` and `test` folders are left
 * out (they are not part of what runs). The same folder always gives the same hash, on any machine.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SKIPPED = new Set(['node_modules', 'test', 'tests']);

export function listActionFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listActionFiles(dir, path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export function folderIntegrity(dir: string): string {
  const listing = createHash('sha512');
  for (const path of listActionFiles(dir).sort()) {
    const content = createHash('sha512')
      .update(readFileSync(join(dir, path)))
      .digest('hex');
    listing.update(`${path}\0${content}\n`);
  }
  return `sha512-${listing.digest('base64')}`;
}
