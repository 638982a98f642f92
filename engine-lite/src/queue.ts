/**
 * The ready queue: a binary heap ordered by step priority (higher first), then pipeline priority
 * (higher first), then file order, then arrival. O(log n) push and pop.
 */
export interface QueueItem {
  key: string;
  priority: number;
  pipelinePriority: number;
  order: number;
}

interface Entry<T> {
  item: T;
  seq: number;
}

export class PriorityQueue<T extends QueueItem> {
  private heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    this.heap.push({ item, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  peek(): T | undefined {
    return this.heap[0]?.item;
  }

  pop(): T | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top.item;
  }

  /** Removes every item matching `pred` and returns them (used by cancel). */
  drain(pred: (item: T) => boolean = () => true): T[] {
    const out = this.heap.filter((e) => pred(e.item)).map((e) => e.item);
    const kept = this.heap.filter((e) => !pred(e.item));
    this.heap = [];
    for (const e of kept) {
      this.heap.push(e);
      this.up(this.heap.length - 1);
    }
    return out;
  }

  private before(a: Entry<T>, b: Entry<T>): boolean {
    if (a.item.priority !== b.item.priority) return a.item.priority > b.item.priority;
    if (a.item.pipelinePriority !== b.item.pipelinePriority) return a.item.pipelinePriority > b.item.pipelinePriority;
    if (a.item.order !== b.item.order) return a.item.order < b.item.order;
    return a.seq < b.seq;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < h.length && this.before(h[l]!, h[best]!)) best = l;
      if (r < h.length && this.before(h[r]!, h[best]!)) best = r;
      if (best === i) return;
      [h[i], h[best]] = [h[best]!, h[i]!];
      i = best;
    }
  }
}
