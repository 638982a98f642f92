/**
 * Executor slots shared by every run of an engine (the service's one queue across runs): at most
 * `total` steps running at once, and `perKind[kind]` of one executor kind. A run that finds no slot,
 * or finds a run ahead of it waiting for a slot it could use, waits; runs are ahead by priority
 * (higher first), then arrival (FIFO). A freed slot wakes the first waiting run that can use it.
 * Without a StepSlots, each run has only its own limits, as before.
 */
import { NESTED_EXECUTOR } from '@caravan/spec';

/**
 * A nested step runs nothing itself: its child run's steps take the slots. Were it to hold one
 * while they wait for one, nested runs could starve each other.
 */
function holdsNoSlot(kind: string): boolean {
  return kind === NESTED_EXECUTOR;
}

export interface RunOrder {
  priority: number;
  seq: number;
}

interface Waiter {
  kind: string;
  wake: () => void;
}

export interface StepSlotsOptions {
  total: number;
  perKind?: Record<string, number>;
  /** Where a run stands, read at each decision (its priority may change while it waits); unknown runs come last. */
  orderOf: (runId: string) => RunOrder | undefined;
  /** Called when a run starts waiting for a slot (where it stands matters from then on). */
  onWait?: () => void;
}

export class StepSlots {
  private busy = 0;
  private readonly busyByKind = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly o: StepSlotsOptions) {}

  /** Steps running now, by executor kind. */
  get inUse(): ReadonlyMap<string, number> {
    return this.busyByKind;
  }

  /** Runs waiting for a slot, first in line first, with the executor kind each wants. */
  waiting(): Array<{ runId: string; kind: string }> {
    return [...this.waiters.entries()]
      .sort(([a], [b]) => this.ahead(this.order(a), this.order(b)))
      .map(([runId, w]) => ({ runId, kind: w.kind }));
  }

  private free(kind: string): boolean {
    return this.busy < this.o.total && (this.busyByKind.get(kind) ?? 0) < (this.o.perKind?.[kind] ?? Infinity);
  }

  private order(runId: string): RunOrder {
    return this.o.orderOf(runId) ?? { priority: Number.NEGATIVE_INFINITY, seq: Infinity };
  }

  /** Negative when `a` goes before `b`. */
  private ahead(a: RunOrder, b: RunOrder): number {
    return b.priority - a.priority || a.seq - b.seq;
  }

  /** Takes a slot for a step of `kind`, or registers the run to be woken (`wake`) and returns false. */
  take(runId: string, kind: string, wake: () => void): boolean {
    if (holdsNoSlot(kind)) return true;
    const me = this.order(runId);
    const blocked =
      !this.free(kind) ||
      [...this.waiters.entries()].some(
        ([id, w]) => id !== runId && this.ahead(this.order(id), me) < 0 && this.free(w.kind),
      );
    if (blocked) {
      this.waiters.set(runId, { kind, wake });
      this.o.onWait?.();
      return false;
    }
    this.waiters.delete(runId);
    this.busy++;
    this.busyByKind.set(kind, (this.busyByKind.get(kind) ?? 0) + 1);
    this.wakeNext();
    return true;
  }

  /** Counts a step that runs already (one a restarted engine re-attached), whatever the limits. */
  hold(kind: string): void {
    if (holdsNoSlot(kind)) return;
    this.busy++;
    this.busyByKind.set(kind, (this.busyByKind.get(kind) ?? 0) + 1);
  }

  give(kind: string): void {
    if (holdsNoSlot(kind)) return;
    this.busy--;
    this.busyByKind.set(kind, (this.busyByKind.get(kind) ?? 1) - 1);
    this.wakeNext();
  }

  /** The run wants no slot now (its queue is empty, or it ended). */
  leave(runId: string): void {
    if (this.waiters.delete(runId)) this.wakeNext();
  }

  private wakeNext(): void {
    const next = [...this.waiters.entries()]
      .filter(([, w]) => this.free(w.kind))
      .sort(([a], [b]) => this.ahead(this.order(a), this.order(b)))[0];
    next?.[1].wake();
  }
}
