/**
 * Time as the engine sees it, through the agent's Clock interface: the queue, retry backoff,
 * timeout guards and status polling read and wait through it, so tests drive them with a fake clock.
 */
import type { Clock } from '@caravan/agent';

export type { Clock };

/**
 * Unlike the agent's, these timers keep the process alive: a run waiting for a retry's backoff
 * has nothing else pending.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
