/**
 * A small in-process cache whose entries are valid only for the store's change epoch they were
 * loaded under (see RegistryStore.changeEpoch): any write, here or in another process, moves the
 * epoch on and every older entry becomes a miss. Bounded: it empties itself when full.
 */
export class EpochCache<V> {
  private readonly entries = new Map<string, { epoch: string; value: V }>();

  constructor(private readonly max = 10_000) {}

  get(key: string, epoch: string): V | undefined {
    const e = this.entries.get(key);
    return e && e.epoch === epoch ? e.value : undefined;
  }

  /** Stores a value loaded under `epoch`, which the caller read before loading. */
  set(key: string, epoch: string, value: V): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { epoch, value });
  }

  async getOrLoad(key: string, epoch: string, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key, epoch);
    if (hit !== undefined) return hit;
    const value = await load();
    this.set(key, epoch, value);
    return value;
  }
}
