/** Finds the portable caravan-agent folder (executable, loader, libraries, sh entry) on the host. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_ENTRY = 'caravan-agent';

export function findAgentPortableDir(explicit?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = explicit
    ? [resolve(explicit)]
    : [
        process.env.CARAVAN_AGENT_DIR,
        // from engine-lite/src/executors (sources) and from dist/ (the bundled CLI)
        join(here, '../../../dist/agent-portable'),
        join(here, 'agent-portable'),
      ].filter((dir): dir is string => typeof dir === 'string' && dir !== '');
  for (const dir of candidates) {
    if (existsSync(join(dir, AGENT_ENTRY))) return resolve(dir);
  }
  throw new Error(
    `the portable caravan-agent folder was not found (looked for ${AGENT_ENTRY} in ${candidates.join(', ')}): ` +
      'build it with `node scripts/build.mjs --sea` or set CARAVAN_AGENT_DIR to a folder holding it',
  );
}
