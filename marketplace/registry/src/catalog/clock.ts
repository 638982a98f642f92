/** Time as the catalog sees it (the agent's Clock interface); tests replace it to drive flushes. */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** The UTC day (`YYYY-MM-DD`) `days` days before the one `ms` falls on. */
export function dayKey(ms: number, daysBefore = 0): string {
  return new Date(ms - daysBefore * 86_400_000).toISOString().slice(0, 10);
}
