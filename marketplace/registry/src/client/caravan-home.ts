import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$CARAVAN_HOME`, else `~/.caravan`. */
export function caravanHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CARAVAN_HOME && env.CARAVAN_HOME.trim() !== '' ? env.CARAVAN_HOME : join(homedir(), '.caravan');
}

/** `$CARAVAN_HOME/cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(caravanHome(env), 'cache');
}
