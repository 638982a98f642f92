// Run under flock by images.ts (node --import tsx): prints the agent image's name and its portable
// folder (JSON) after making sure it holds the current agent: dist/agent-portable when it is
// complete and not older than dist/agent.cjs, else a portable folder built aside
// (/tmp/caravan-test-agent-sea-<checkout>), so dist/ is never rebuilt under test files that run it.
// The image itself is rebuilt only when the folder changed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildAgentImage } from '../../cli/src/lib/images/agent-image.js';
// @ts-expect-error: plain JS build script, no types
import { buildSea } from '../../scripts/sea.mjs';

const root = join(import.meta.dirname, '../..');
const bundle = join(root, 'dist/agent.cjs');
// one per checkout: another worktree's agent is another agent
const ASIDE = `/tmp/caravan-test-agent-sea-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`;

function usable(dir: string): boolean {
  const entry = join(dir, 'caravan-agent');
  if (!existsSync(join(dir, 'agent.json')) || !existsSync(entry)) return false;
  if (readFileSync(entry).subarray(0, 2).toString() === '#!') return false;
  const files = readdirSync(dir, { recursive: true }).map((f) => statSync(join(dir, String(f))).mtimeMs);
  return !existsSync(bundle) || Math.min(...files) >= statSync(bundle).mtimeMs;
}

let portableDir = join(root, 'dist/agent-portable');
if (!usable(portableDir)) {
  portableDir = join(ASIDE, 'agent-portable');
  if (!usable(portableDir)) await (buildSea as (r: string, o: object) => Promise<unknown>)(root, { outDir: ASIDE });
}
process.stdout.write(JSON.stringify({ image: buildAgentImage({ portableDir }).image, portableDir }));
