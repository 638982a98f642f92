/**
 * Time as the engine sees it, after the agent's Clock: the queue, retry backoff, timeout guards
 * and status polling read and wait through it, so tests drive them with a fake clock.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

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
