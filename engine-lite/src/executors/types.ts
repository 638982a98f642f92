/**
 * The executor contract, after Erda's ActionExecutor: every method is idempotent, so the
 * reconciler can call it again after a crash without harm. A new runtime is one file that
 * implements ActionExecutor and registers itself by kind.
 */
import type { AgentReport, TaskContext } from '@caravan/spec';

export interface TaskSpec {
  taskId: string;
  runId: string;
  stepId: string;
  attempt: number;
  /** The action's command, run by the agent: `caravan-agent run --context F -- ...command`. */
  command: string[];
  /** Container image, for container executors. */
  image?: string;
  /** Host path of the step's workspace (the action's working directory). */
  workspace: string;
  /** Host path of the action's unpacked files (its `action.yml` folder). */
  actionDir: string;
  /** The agent's task context; the executor rewrites host paths to the paths it mounts. */
  context: TaskContext;
}

/**
 * `created`: made by `create`, `start` not called yet (after an engine crash: nothing ran);
 * `pending`: started, not running yet (an image pull, a pod waiting for a node).
 */
export type TaskPhase = 'created' | 'pending' | 'running' | 'exited' | 'gone';

export interface TaskState {
  phase: TaskPhase;
  /** Set when phase is `exited`. */
  exitCode?: number;
  message?: string;
  /**
   * With `gone`: nothing of the task exists and nothing of it can have run (the executor can tell,
   * e.g. the engine stopped before the task was created). Recovery runs the step afresh.
   */
  neverStarted?: boolean;
}

export interface ActionExecutor {
  readonly kind: string;
  /**
   * Optional: false for executors that touch no host files (the in-process noop executor); the
   * engine then does not create the step's workspace folder. Default true.
   */
  readonly usesWorkspace?: boolean;
  create(task: TaskSpec): Promise<void>;
  start(taskId: string): Promise<void>;
  status(taskId: string): Promise<TaskState>;
  cancel(taskId: string): Promise<void>;
  remove(taskId: string): Promise<void>;
  /**
   * Optional: resolves when the task leaves `created`/`pending`/`running`. Executors without it are polled
   * with `status`.
   */
  wait?(taskId: string): Promise<TaskState>;
  /**
   * Optional: the agent's report as the executor saw it (e.g. the `--report` file), used when the
   * report did not reach the callback API (engine restarted while the task ran).
   */
  readReport?(taskId: string): Promise<AgentReport | undefined>;
  /**
   * Optional: after the task ended, kills whatever it left running (the process executor: the
   * action's process group); the pids it found there, none normally. Executors whose tasks live in
   * a container or pod of their own need none: removing it ends everything in it.
   */
  reap?(taskId: string): Promise<number[]>;
  /**
   * Optional: the host folder where the agent spools what it could not deliver (`spool.jsonl` and
   * file bodies), read at the end of the attempt and removed with the task.
   */
  spoolDir?(taskId: string): string | undefined;
  /**
   * Optional, preferred to `spoolDir`: where the agent's spool can be read on the host, once the
   * task has ended (an executor may first have to copy it out of a container), or why it cannot be
   * (`lost`: the step's log says so). Undefined: the agent spooled nothing.
   */
  takeSpool?(taskId: string): Promise<SpoolSource | undefined>;
  /**
   * Optional: a line for the step's log about how the task ran (e.g. which agent ran it), kept
   * with the attempt's result.
   */
  note?(taskId: string): Promise<string | undefined>;
  /**
   * Optional: the grace period the task's agent was given (seconds between SIGTERM and SIGKILL),
   * for `caravan cancel` of a run whose engine is gone: it waits that long before it kills.
   */
  stopGraceSeconds?(taskId: string): Promise<number | undefined>;
}

/** Where a task's spool lies on the host, or why it cannot be read (said in the step's log). */
export type SpoolSource = { dir: string } | { lost: string };

/**
 * Thrown by `readReport` or `takeSpool` when what the task left is not what its agent writes (too
 * large, not one file): the action tampered with it. The attempt fails with this message,
 * whatever its exit code or report says.
 */
export class TaskOutputRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskOutputRefused';
  }
}
