import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';

/** Never packed, whatever `.caravanignore` says. */
const ALWAYS_SKIPPED = new Set(['node_modules', '.git']);

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  match: (path: string) => boolean;
}

function parseRule(line: string): Rule | undefined {
  let text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const negate = text.startsWith('!');
  if (negate) text = text.slice(1);
  const dirOnly = text.endsWith('/');
  if (dirOnly) text = text.replace(/\/+$/, '');
  const anchored = text.includes('/');
  text = text.replace(/^\/+/, '');
  if (text === '') return undefined;
  const matcher = picomatch(text, { dot: true });
  const match = anchored ? matcher : (path: string) => matcher(path.slice(path.lastIndexOf('/') + 1));
  return { negate, dirOnly, match };
}

/**
 * `.caravanignore`: gitignore-like lines — globs, `#` comments, `!` to re-include, `dir/` for folders only, a `/`
 * anchors to the action root.
 */
export class IgnoreRules {
  private constructor(private readonly rules: Rule[]) {}

  static parse(text: string): IgnoreRules {
    return new IgnoreRules(text.split(/\r?\n/).flatMap((line) => parseRule(line) ?? []));
  }

  static async load(dir: string): Promise<IgnoreRules> {
    try {
      return IgnoreRules.parse(await readFile(join(dir, '.caravanignore'), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new IgnoreRules([]);
      throw err;
    }
  }

  /** `path` is relative to the action folder, `/`-separated. */
  ignores(path: string, isDir: boolean): boolean {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (ALWAYS_SKIPPED.has(base)) return true;
    let ignored = false;
    for (const rule of this.rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.match(path)) ignored = !rule.negate;
    }
    return ignored;
  }
}
