/** Starts the action; tests replace it with a fake that yields scripted streams and exits. */
export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningAction {
  pid?: number;
  stdout: AsyncIterable<Buffer>;
  stderr: AsyncIterable<Buffer>;
  exited: Promise<ExitResult>;
  /** Signals the action's whole process group. */
  kill(signal: NodeJS.Signals): void;
  /** Stops reading the output pipes (when background processes keep them open). */
  closeStreams(): void;
  /**
   * After the action exited: SIGKILLs whatever it left running in its process group and stands
   * down the watch that would have done so had the agent died. True when anything was left.
   */
  reapGroup?(): boolean;
  /** Whether any process of the action's group still runs (its leader may have exited). */
  groupAlive?(): boolean;
}

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
}

export interface Runner {
  /** Resolves once the process runs; rejects with the system error (ENOENT, EACCES) when it cannot start. */
  start(command: string, args: string[], options: StartOptions): Promise<RunningAction>;
}
