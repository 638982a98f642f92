import type { AgentEvent, AgentReport, LogEntry } from '@caravan/spec';
import type { Clock } from '../../src/clock.js';
import type { Reporter } from '../../src/reporter.js';
import type { ExitResult, Runner, RunningAction, StartOptions } from '../../src/runner.js';
import type { Sink } from '../../src/sink.js';

/** An async stream fed by hand. */
export class Feed implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(text: string | Buffer): void {
    this.chunks.push(Buffer.isBuffer(text) ? text : Buffer.from(text));
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const next = this.chunks.shift();
      if (next) yield next;
      else if (this.ended) return;
      else await new Promise<void>((r) => (this.wake = r));
    }
  }
}

/** A scripted action: tests write its output, decide how it reacts to signals, and end it. */
export class FakeAction implements RunningAction {
  pid = 4242;
  stdout = new Feed();
  stderr = new Feed();
  signals: NodeJS.Signals[] = [];
  exited: Promise<ExitResult>;
  /** What the action does on a signal; default: dies by SIGKILL only. */
  onSignal: (signal: NodeJS.Signals) => void = (s) => {
    if (s === 'SIGKILL') this.exit({ code: null, signal: 'SIGKILL' });
  };
  private resolveExit!: (r: ExitResult) => void;

  constructor() {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  exit(result: ExitResult): void {
    this.stdout.end();
    this.stderr.end();
    this.resolveExit(result);
  }

  /** Exits while background children keep the pipes open. */
  exitKeepingPipes(result: ExitResult): void {
    this.resolveExit(result);
  }

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    this.onSignal(signal);
  }

  closeStreams(): void {
    this.stdout.end();
    this.stderr.end();
  }
}

export class FakeRunner implements Runner {
  started: Array<{ command: string; args: string[]; options: StartOptions }> = [];
  constructor(private readonly next: FakeAction | NodeJS.ErrnoException) {}

  async start(command: string, args: string[], options: StartOptions): Promise<RunningAction> {
    this.started.push({ command, args, options });
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

export class RecordingReporter implements Reporter {
  readonly wantsLogs = true;
  logs: LogEntry[] = [];
  events: AgentEvent[] = [];
  uploads: Array<{ name: string; path: string }> = [];
  finished: AgentReport[] = [];

  log(entry: LogEntry): void {
    this.logs.push(entry);
  }
  event(event: AgentEvent): void {
    this.events.push(event);
  }
  async upload(name: string, path: string): Promise<string | undefined> {
    this.uploads.push({ name, path });
    return undefined;
  }
  async finish(report: AgentReport): Promise<string[]> {
    this.finished.push(report);
    return [];
  }
}

export class FakeClock implements Clock {
  time = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  }

  /** Moves time on, firing due timers in order. */
  advance(ms: number): void {
    this.time += ms;
    for (const t of this.timers.filter((t) => t.live && t.at <= this.time).sort((a, b) => a.at - b.at)) {
      t.live = false;
      t.fn();
    }
  }

  pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

export class MemorySink implements Sink {
  chunks: Buffer[] = [];
  async write(chunk: Buffer): Promise<void> {
    this.chunks.push(chunk);
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Polls until `check` holds (fs work in the agent runs on the thread pool). */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!check()) throw new Error('condition never held');
  await settle();
}

/** Lets queued promise callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
