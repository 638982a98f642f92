/** Runs `node bin/caravan.js …` as a real process, for the author's-workflow tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export const root = join(import.meta.dirname, '../..');
export const bin = join(root, 'bin/caravan.js');
export const agentBundle = join(root, 'dist/agent.cjs');

function newestUnder(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function mtime(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

/** The sources of the commands these tests are about. */
const AUTHOR_SOURCES = [
  'cli/src/lib/author',
  'cli/src/lib/scaffold',
  'spec/src/action-docs.ts',
  ...['init', 'run', 'test', 'docs'].map((c) => `cli/src/commands/action/${c}.ts`),
];

/**
 * `npm test` builds before vitest, so dist/ is normally current. Rebuild only when a bundle is
 * missing or older than the author commands' own sources, one test file at a time (a lock folder):
 * rebuilding dist/ while other test files run it can race.
 */
export function ensureBuilt(): void {
  const stale = () => {
    const sources = Math.max(...AUTHOR_SOURCES.map((p) => newestUnder(join(root, p))));
    return mtime(join(root, '.oclif.manifest.json')) < sources || mtime(agentBundle) === 0;
  };
  if (!stale()) return;
  const lock = join(root, 'dist', '.author-tests-build.lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - mtime(lock) > 120_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CaravanOptions {
  cwd: string;
  env?: Record<string, string>;
  input?: string;
}

export function caravan(args: string[], opts: CaravanOptions) {
  return execa(process.execPath, [bin, ...args], {
    reject: false,
    cwd: opts.cwd,
    env: { CI: '1', NO_COLOR: '1', CARAVAN_REGISTRY: '', CARAVAN_TOKEN: '', ...opts.env },
    extendEnv: true,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    timeout: 120_000,
  });
}
