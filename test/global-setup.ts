import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Starts PostgreSQL and Podman's API (when installed) before any test file runs. */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync('bash', [join(root, 'scripts/services.sh')], { stdio: 'inherit' });
}
