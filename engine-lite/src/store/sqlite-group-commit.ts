/**
 * The SQLite store's group commit: writes issued in the same turn of the event loop are committed
 * together in one transaction; each caller's promise resolves only after that commit.
 */
import type Database from 'better-sqlite3';

interface PendingWrite {
  apply: () => void;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit {
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private flushes = 0;
  private readonly applyAll: (batch: PendingWrite[]) => void;

  constructor(db: Database.Database) {
    this.applyAll = db.transaction((batch: PendingWrite[]) => {
      for (const w of batch) w.apply();
    });
  }

  enqueue(apply: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ apply, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Commit at the end of this microtask checkpoint; every 64th commit waits for the event loop
        // instead, so a long chain of instant steps cannot starve timers and sockets.
        if (++this.flushes % 64 === 0) setImmediate(() => this.flush());
        else queueMicrotask(() => this.flush());
      }
    });
  }

  /** Commits every pending write in one transaction; on failure each is retried alone, so only the bad one fails. */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.applyAll(batch);
      for (const w of batch) w.resolve();
    } catch {
      for (const w of batch) {
        try {
          w.apply();
          w.resolve();
        } catch (err) {
          w.reject(err as Error);
        }
      }
    }
  }
}
