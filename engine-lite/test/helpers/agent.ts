import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The real agent bundle, built when missing (npm test builds it first). */
export function agentBundle(): string {
  const path = join(repoRoot, 'dist', 'agent.cjs');
  if (!existsSync(path))
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  return path;
}
