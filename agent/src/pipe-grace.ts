/**
 * After the action exits, how long its output pipes may stay open: background processes it
 * started may hold them. Each grace period that passes with no output read kills what is left of
 * the action's process group and then stops reading; while output still flows (the agent is
 * draining what the action wrote, its own reader is slow, the machine is loaded) it waits on, so
 * the action's last lines are never dropped.
 */
import type { Clock } from './clock.js';
import type { RunningAction } from './runner.js';

export class PipeGrace {
  /** Background processes were killed for holding the pipes. */
  killedHolders = false;
  private flowing = false;
  private closed = false;
  private stopTimer = () => {};

  constructor(
    private readonly clock: Clock,
    private readonly graceMs: number,
    private readonly action: Pick<RunningAction, 'kill' | 'closeStreams' | 'groupAlive'>,
    private readonly warn: (message: string) => void,
  ) {}

  /** Output was read. */
  flowed(): void {
    this.flowing = true;
  }

  /** The action exited: the grace periods begin. */
  start(): void {
    this.flowing = false;
    this.stopTimer = this.clock.setTimer(this.graceMs, () => this.expire());
  }

  /** The pipes closed. */
  stop(): void {
    this.closed = true;
    this.stopTimer();
  }

  private expire(): void {
    if (this.closed) return;
    if (!this.killedHolders && (this.action.groupAlive?.() ?? true)) {
      this.killedHolders = true;
      this.warn(
        'processes the action started in the background still held its output open after it exited; they were killed ' +
          '(to keep one running, start it with its output redirected, e.g. `server > server.log 2>&1 &`)',
      );
      this.action.kill('SIGKILL');
    }
    if (this.flowing) return this.start();
    if (!this.killedHolders) {
      this.warn(
        "a process outside the action's process group (started with setsid or as a daemon) still held its output " +
          'open; the agent stopped reading it, and what it prints now is lost (redirect its output to a file, ' +
          'e.g. `setsid server > server.log 2>&1 &`)',
      );
    }
    this.action.closeStreams();
  }
}
