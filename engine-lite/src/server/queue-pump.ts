/**
 * Takes waiting runs off the queue while run slots are free: in queue order, skipping runs whose
 * concurrency group is held, reading about as many entries as there are free slots. A pump asked
 * for while one runs (a run submitted or ended meanwhile) runs again from the queue's head. Each
 * pump first takes the driven runs' priorities from the store (another server may have changed them).
 */
import type { ServiceQueue, WaitingRun } from './service-queue.js';

export class QueuePump {
  /** No run is taken off the queue while paused (submitting still works) or once stopping. */
  paused = false;
  stopping = false;
  private pumping = false;
  private again = false;

  constructor(
    private readonly q: ServiceQueue,
    /** Free run slots now. */
    private readonly free: () => number,
    /** Drives a run taken off the queue (it holds a run slot from then on). */
    private readonly admit: (next: WaitingRun) => Promise<void>,
  ) {}

  async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.q.reloadPriorities();
        await this.admitWhatFits();
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  private canAdmit(): boolean {
    return !this.stopping && !this.paused && this.free() > 0;
  }

  private async admitWhatFits(): Promise<void> {
    if (!this.canAdmit()) return;
    // Pages as large as the free slots plus the runs passed by so far: many held runs are read in growing pages.
    let passed = 0;
    for await (const next of this.q.waitingRuns(() => this.free() + passed)) {
      if (next.heldBy) {
        passed++;
        continue;
      }
      await this.admit(next);
      if (!this.canAdmit()) return;
    }
  }
}
