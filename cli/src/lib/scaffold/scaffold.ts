/** Writes a new, working action folder: `caravan action init`. */
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { renderActionDocs, updateReadme } from '@caravan/spec';
import { FailedError } from '../base-command.js';
import { loadActionDir } from '../author/load-action.js';
import { scaffoldFiles } from './files.js';
import { checkActionName, type ScaffoldOptions } from './options.js';

/** The folder cannot be scaffolded (exit 1): it holds something already. */
export class ScaffoldError extends FailedError {}

/** Creates the folder and returns its absolute path and the files written. */
export async function scaffoldAction(opts: ScaffoldOptions): Promise<{ dir: string; files: string[] }> {
  const problem = checkActionName(opts.name);
  if (problem) throw new ScaffoldError(problem);
  const dir = resolve(opts.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ScaffoldError(`${dir} is not empty: choose a new folder with --dir, or empty this one`);
  }
  const files = scaffoldFiles(opts);
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    if (path.endsWith('.sh')) await chmod(file, 0o755);
  }
  const { spec } = await loadActionDir(dir);
  await writeFile(join(dir, 'README.md'), updateReadme(files['README.md'] ?? '', renderActionDocs(spec)));
  return { dir, files: Object.keys(files).sort() };
}
