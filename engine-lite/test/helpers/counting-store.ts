/** Wraps an EngineStore and counts, per method, the calls made and the rows (array items) they returned. */
import type { EngineStore } from '../../src/store/types.js';

export interface StoreCounts {
  calls: Map<string, number>;
  rows: Map<string, number>;
  reset(): void;
  /** Rows returned by every method together. */
  totalRows(): number;
}

export function countingStore<T extends EngineStore>(store: T): { store: T; counts: StoreCounts } {
  const calls = new Map<string, number>();
  const rows = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);
  const counts: StoreCounts = {
    calls,
    rows,
    reset() {
      calls.clear();
      rows.clear();
    },
    totalRows: () => [...rows.values()].reduce((a, b) => a + b, 0),
  };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        add(calls, prop, 1);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then((v: unknown) => {
          if (Array.isArray(v)) add(rows, prop, v.length);
          else if (v instanceof Map) add(rows, prop, v.size);
          else if (v !== undefined) add(rows, prop, 1);
          return v;
        });
      };
    },
  });
  return { store: wrapped, counts };
}
