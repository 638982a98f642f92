/** The process executor's options. */
/** Points between the executor's own writes where a test stops it, as a crash would. */
export type ProcessBoundary = 'context-written' | 'spawned';

export interface ProcessExecutorOptions {
  /** Private directory for contexts (they hold secrets: 0600 files in a 0700 directory), reports and pids. */
  stateDir: string;
  /** Path of the agent bundle (dist/agent.cjs) or executable. */
  agentPath: string;
  /** Runs the agent with this interpreter; default `process.execPath`. Empty string: run the agent directly. */
  nodePath?: string;
  /**
   * Seconds between SIGTERM and SIGKILL on cancel: the agent is given the same period (its
   * context's `graceSeconds`) and enforces it itself; the executor's SIGKILL comes only
   * `killSlackMs` after it, as a backstop for an agent that cannot.
   */
  graceSeconds?: number;
  /** Milliseconds past the grace period before the executor's own SIGKILL; default 2000. */
  killSlackMs?: number;
  /** Environment for the agent; default the engine's, without its own secrets. */
  env?: NodeJS.ProcessEnv;
  /** Fault injection: called at each boundary; what it throws stops the executor there. */
  boundary?(point: ProcessBoundary, taskId: string): void;
}
