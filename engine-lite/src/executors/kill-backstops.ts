/** SIGKILL backstops armed by cancel: one timer per task, cleared when the task ends or is removed. */
export class KillBackstops {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Runs `kill` after `ms` unless disarmed first; the timer keeps no process alive. */
  arm(taskId: string, ms: number, kill: () => Promise<unknown>): void {
    this.disarm(taskId);
    const timer = setTimeout(() => {
      this.timers.delete(taskId);
      void kill().catch(() => undefined);
    }, ms);
    timer.unref();
    this.timers.set(taskId, timer);
  }

  disarm(taskId: string): void {
    clearTimeout(this.timers.get(taskId));
    this.timers.delete(taskId);
  }

  disarmAll(): void {
    for (const taskId of [...this.timers.keys()]) this.disarm(taskId);
  }
}
