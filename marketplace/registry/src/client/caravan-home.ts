/** Where Caravan keeps its state on this machine; the one definition the CLI and the engine use. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$CARAVAN_HOME` (made absolute), else `~/.caravan`; an empty or blank `CARAVAN_HOME` counts as unset. */
export function caravanHome(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.CARAVAN_HOME;
  return resolve(set !== undefined && set.trim() !== '' ? set : join(homedir(), '.caravan'));
}

/** `$CARAVAN_HOME/cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(caravanHome(env), 'cache');
}
