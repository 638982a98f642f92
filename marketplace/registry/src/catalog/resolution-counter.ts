/**
 * Resolutions counted in memory and written to the store's daily counters every few seconds, so
 * a resolve costs one Map update. A crash loses at most one interval's counts. Memory is bounded:
 * at MAX_PENDING distinct (action, day) pairs the counter flushes at once.
 */
import type { ResolutionCount } from '../store/catalog-types.js';
import { dayKey, systemClock, type Clock } from './clock.js';

export const FLUSH_INTERVAL_MS = 5_000;
export const MAX_PENDING = 10_000;

export interface ResolutionCounterOptions {
  write: (counts: ResolutionCount[]) => Promise<void>;
  clock?: Clock;
  intervalMs?: number;
  maxPending?: number;
  /** Told when a flush fails (its counts are dropped). */
  onError?: (err: unknown) => void;
}

export class ResolutionCounter {
  private pending = new Map<string, ResolutionCount>();
  private cancelTimer: (() => void) | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly maxPending: number;

  constructor(private readonly options: ResolutionCounterOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? FLUSH_INTERVAL_MS;
    this.maxPending = options.maxPending ?? MAX_PENDING;
  }

  add(name: string): void {
    const day = dayKey(this.clock.now());
    const key = `${day} ${name}`;
    const entry = this.pending.get(key);
    if (entry) entry.count++;
    else this.pending.set(key, { name, day, count: 1 });
    if (this.pending.size >= this.maxPending) void this.flush();
    else this.cancelTimer ??= this.clock.setTimer(this.intervalMs, () => void this.flush());
  }

  /** How many (action, day) pairs wait to be written. */
  get size(): number {
    return this.pending.size;
  }

  /** Writes what is pending; resolves when this and any earlier flush are done. */
  flush(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.options.write(batch);
      } catch (err) {
        this.options.onError?.(err);
      }
    });
    return this.flushing;
  }
}
