/**
 * Builds `dist/` (the CLI's commands and the agent bundle) when a test that spawns `bin/caravan.js`
 * runs before `npm test`'s build; once built, nothing is rebuilt.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export function ensureBuilt(): void {
  if (!existsSync(join(root, 'dist', 'cli', 'commands', 'run.js')) || !existsSync(join(root, 'dist', 'agent.cjs')))
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root });
}
