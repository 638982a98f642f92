import type { AgentEvent, LogEntry } from '@caravan/spec';
import type { Report } from './contract.js';

/** Ships what the agent learns to the engine. Never throws: the engine being down must not fail the action. */
export interface Reporter {
  /** Whether log lines are wanted at all (standalone runs skip building them). */
  readonly wantsLogs: boolean;
  /** May return a promise to slow the action down when too much is in flight. */
  log(entry: LogEntry): void | Promise<void>;
  /**
   * Several lines of one stream, joined by `\n`: one entry each, as `log` would make them, for a
   * fraction of the cost (absent: `logLines()` below calls `log` per line).
   */
  logLines?(stream: LogEntry['stream'], lines: string, ts: number): void | Promise<void>;
  /**
   * Masked output as bytes (whole lines ending with `\n`, or a piece of a line without one), when
   * the reporter ships bytes as they are: cheaper than lines, which are then not made at all.
   */
  readonly logBlock?: ((stream: LogEntry['stream'], block: Buffer, ts: number) => void | Promise<void>) | undefined;
  event(event: AgentEvent): void;
  /** Uploads a declared file (or folder) as a tar stream; returns a warning on failure. */
  upload(name: string, path: string): Promise<string | undefined>;
  /** Flushes everything, sends the final report; returns warnings (e.g. what stayed undelivered). */
  finish(report: Report): Promise<string[]>;
}

/** Standalone: nothing to ship, the report file is the result. */
export const nullReporter: Reporter = {
  wantsLogs: false,
  log: () => undefined,
  event: () => undefined,
  upload: async () => undefined,
  finish: async () => [],
};

/** Ships lines joined by `\n` through the reporter's `logLines`, else line by line. */
export function logLines(
  reporter: Reporter,
  stream: LogEntry['stream'],
  lines: string,
  ts: number,
): void | Promise<void> {
  if (reporter.logLines) return reporter.logLines(stream, lines, ts);
  let waits: Promise<void> | undefined;
  for (const text of lines.split('\n')) waits = reporter.log({ stream, text, ts }) ?? waits;
  return waits;
}
