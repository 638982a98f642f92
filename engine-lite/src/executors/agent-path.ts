import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The agent bundle: `CARAVAN_AGENT`, else `dist/agent.cjs` found upwards from this module. */
export function defaultAgentPath(start = dirname(fileURLToPath(import.meta.url))): string {
  if (process.env.CARAVAN_AGENT) return process.env.CARAVAN_AGENT;
  let dir = start;
  for (;;) {
    for (const candidate of [join(dir, 'dist', 'agent.cjs'), join(dir, 'agent.cjs')])
      if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return join(start, 'agent.cjs');
    dir = up;
  }
}
