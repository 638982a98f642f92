import { existsSync, promises as fsp } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FileReport } from '@caravan/spec';
import { describeFile } from './file-report.js';

export interface FileWatcher {
  /** Stops watching after a last sweep that reports any change the live watcher missed. */
  stop(): Promise<void>;
}

export type WatchStarter = (
  globs: string[],
  cwd: string,
  onChange: (file: FileReport) => void,
  mask: (text: string) => string,
) => Promise<FileWatcher>;

/**
 * Watches `globs` (relative to `cwd`) with chokidar, which no longer expands globs itself: each
 * glob's static base folder is watched and paths are matched with picomatch. Each report carries
 * the file's sha256; a change that leaves the content unchanged is not reported again.
 */
export const startFileWatcher: WatchStarter = async (globs, cwd, onChange, mask) => {
  const { default: picomatch } = await import('picomatch');
  const patterns = globs.map((g) => toPosix(isAbsolute(g) ? g : resolve(cwd, g)));
  const matches = picomatch(patterns, { dot: true });
  const bases = [...new Set(patterns.map((p) => existingAncestor(picomatch.scan(p).base || '/')))];
  const known = new Map<string, string>();
  const show = (abs: string) => {
    const rel = relative(cwd, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : toPosix(rel);
  };
  let chain = Promise.resolve();
  const check = (abs: string, event: 'add' | 'change' | 'unlink') => {
    if (!matches(toPosix(abs))) return;
    chain = chain.then(async () => {
      if (event === 'unlink') {
        if (!known.delete(abs)) return;
        onChange({ path: show(abs), event, size: 0, sha256: '' });
        return;
      }
      const file = await describeFile(abs, show(abs), mask);
      if (!file || known.get(abs) === file.sha256) return;
      onChange({ ...file, event: known.has(abs) ? 'change' : 'add' });
      known.set(abs, file.sha256);
    });
  };

  for (const abs of await listMatches(bases, matches)) {
    const file = await describeFile(abs, show(abs), mask);
    if (file) known.set(abs, file.sha256);
  }
  const { watch } = await import('chokidar');
  const watcher = watch(bases, { ignoreInitial: true, persistent: true });
  watcher.on('add', (p) => check(resolve(p), 'add'));
  watcher.on('change', (p) => check(resolve(p), 'change'));
  watcher.on('unlink', (p) => check(resolve(p), 'unlink'));
  watcher.on('error', () => undefined);
  await new Promise<void>((done) => watcher.once('ready', () => done()));

  return {
    async stop() {
      await watcher.close();
      await chain;
      const now = await listMatches(bases, matches);
      for (const abs of now) check(abs, 'change');
      const present = new Set(now);
      for (const abs of [...known.keys()]) if (!present.has(abs)) check(abs, 'unlink');
      await chain;
    },
  };
};

async function listMatches(bases: string[], matches: (p: string) => boolean): Promise<string[]> {
  const found = new Set<string>();
  for (const base of bases) {
    let entries: string[];
    try {
      entries = await fsp.readdir(base, { recursive: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const abs = join(base, entry);
      if (matches(toPosix(abs))) found.add(abs);
    }
  }
  return [...found].sort();
}

function existingAncestor(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
