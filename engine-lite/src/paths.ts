/** Where the engine keeps its state: everything under `$CARAVAN_HOME` (default `~/.caravan`). */
import { join } from 'node:path';

/** The one definition, shared with the registry client and the CLI. */
export { caravanHome } from '@caravan/registry';

export interface EnginePaths {
  home: string;
  blobs: string;
  /** Per-run, per-step workspaces: `work/<runId>/<stepId>`. */
  work: string;
  /** Executor state (task contexts, reports, pids); private (0700). */
  tasks: string;
  /** Step caches (`caches:` of a step). */
  stepCache: string;
  /** `CARAVAN_CACHE_DIR` given to steps (used by the caravan/cache action). */
  actionsCache: string;
  artifacts: string;
  approvals: string;
}

export function enginePaths(home: string): EnginePaths {
  return {
    home,
    blobs: join(home, 'blobs'),
    work: join(home, 'work'),
    tasks: join(home, 'tasks'),
    stepCache: join(home, 'cache', 'steps'),
    actionsCache: join(home, 'cache', 'actions-cache'),
    artifacts: join(home, 'artifacts'),
    approvals: join(home, 'approvals'),
  };
}
