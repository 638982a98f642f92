import { parseDuration } from '@caravan/spec';
import { InvalidSettingError } from './client-errors.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * `CARAVAN_REGISTRY_TIMEOUT` (seconds, or a duration such as `90s` or `2m`) in milliseconds, else
 * 30 s: how long the client waits for the registry at each step before it gives up.
 */
export function registryTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CARAVAN_REGISTRY_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIMEOUT_MS;
  const seconds = parseDuration(/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw);
  if (seconds === undefined)
    throw new InvalidSettingError(
      `CARAVAN_REGISTRY_TIMEOUT="${raw.slice(0, 40)}" is not a duration: give seconds (30) or e.g. 90s, 2m`,
    );
  return seconds * 1000;
}
