/**
 * The caravan-agent that comes with this caravan: the portable folder named by CARAVAN_AGENT_DIR
 * (as for the docker executor), else found upwards from the CLI's own files (the sources in a
 * checkout, or dist/cli when bundled): the portable agent `dist/agent-portable/caravan-agent`
 * (a single executable, the fastest to start) when it is built and not older than the bundle, else
 * the bundle `dist/agent.cjs`, which runs with node.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AgentLocation {
  path: string;
  /** `portable`: an executable; `bundle`: a .cjs file to run with node. */
  kind: 'portable' | 'bundle';
}

function mtime(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

/** CARAVAN_AGENT_DIR's agent, else the agent of the nearest `dist/` above `start`; undefined when none is built. */
export function installedAgent(
  start = dirname(fileURLToPath(import.meta.url)),
  env: NodeJS.ProcessEnv = process.env,
): AgentLocation | undefined {
  if (env.CARAVAN_AGENT_DIR && existsSync(join(env.CARAVAN_AGENT_DIR, 'caravan-agent')))
    return { path: join(env.CARAVAN_AGENT_DIR, 'caravan-agent'), kind: 'portable' };
  for (let dir = start; ; dir = dirname(dir)) {
    const dist = [join(dir, 'dist'), dir].find((d) => existsSync(join(d, 'agent.cjs')));
    if (dist) {
      const bundle = join(dist, 'agent.cjs');
      const portable = join(dist, 'agent-portable', 'caravan-agent');
      // `npm test` rebuilds only the bundle: a portable agent older than it is yesterday's agent
      if (existsSync(portable) && mtime(portable) >= mtime(bundle)) return { path: portable, kind: 'portable' };
      return { path: bundle, kind: 'bundle' };
    }
    if (dirname(dir) === dir) return undefined;
  }
}
