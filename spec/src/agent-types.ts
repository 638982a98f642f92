/**
 * The contract between the engine and caravan-agent: the task context the engine hands over,
 * the report the agent returns, and the callback messages in between.
 * See spec/schemas/task-context.schema.json and agent-report.schema.json.
 */
import type { ActionOutput } from './action-types.js';

export interface Callback {
  /** Base URL of this task on the engine's callback API, e.g. `http://127.0.0.1:7070/api/tasks/<taskId>`. */
  url: string;
  /** Per-task bearer token. */
  token: string;
  /**
   * Content types the engine takes on `{url}/logs` besides JSON (`LogBatch`), e.g. `LOG_RECORDS_TYPE`.
   * An agent sends the first it knows, else JSON: engines and agents of other versions still agree.
   */
  logTypes?: string[];
}

export interface DeclaredFile {
  name: string;
  /** Path relative to the workdir (or absolute). */
  path: string;
}

export interface TaskContext {
  taskId?: string;
  runId?: string;
  stepId?: string;
  secrets: Record<string, string>;
  params: Record<string, unknown>;
  env: Record<string, string>;
  /** Path of the outputs file; default a temp file. */
  outputsFile?: string;
  /** Globs watched while the action runs. */
  watch: string[];
  /** Declared output files to upload at the end. */
  files: DeclaredFile[];
  callback?: Callback;
  timeoutSeconds?: number;
  graceSeconds?: number;
  workdir?: string;
  /** Typed outputs declared by the action's spec, checked at the end. */
  outputs?: Record<string, ActionOutput>;
  /** The action may set outputs it does not declare: no warning for them. */
  dynamicOutputs?: boolean;
  /** Optional regular expressions: matching stderr lines only add warnings. */
  warnPatterns?: string[];
  /**
   * Folders earlier steps added to PATH (their reports' `addedPath`, in the order they were added, a repeated one
   * moved last). The agent puts them before the PATH the action would otherwise get, the last one first.
   */
  prependPath?: string[];
}

export type TaskStatus = 'success' | 'failed' | 'timeout' | 'cancelled' | 'error';

export type AgentErrorKind =
  | 'exit'
  | 'signal'
  | 'oom'
  | 'timeout'
  | 'cancelled'
  | 'start'
  | 'annotation'
  | 'output'
  /** A workflow command or an environment file the agent could not apply (GitHub's runner fails the step too). */
  | 'command'
  | 'internal';

export interface AgentError {
  message: string;
  kind: AgentErrorKind;
  file?: string;
  line?: number;
  col?: number;
}

export interface FileReport {
  /** Declared name, for files from `files`. */
  name?: string;
  path: string;
  event?: 'add' | 'change' | 'unlink';
  size: number;
  sha256: string;
  /** Masked content, for small text files only. */
  content?: string;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  line?: number;
  col?: number;
  /** Last line of the range (GitHub's `endLine`). */
  endLine?: number;
  /** Last column of the range (GitHub's `endColumn`). */
  endCol?: number;
}

export interface AgentReport {
  status: TaskStatus;
  exitCode: number | null;
  signal: string | null;
  outputs: Record<string, string>;
  errors: AgentError[];
  warnings: string[];
  annotations: Annotation[];
  files: FileReport[];
  /** Last masked lines of stderr. */
  stderrExcerpt: string[];
  durationMs: number;
  /** Number of replacements made by the masker. */
  masked: number;
  /**
   * Variables the action exported for the later steps (`$GITHUB_ENV`, `::set-env` when allowed); the last value of a
   * name wins. A variable whose value holds a secret is left out (with a warning). Absent when there are none.
   */
  exportedEnv?: Record<string, string>;
  /**
   * Folders the action added to PATH for the later steps (`$GITHUB_PATH`, `::add-path` when allowed), in the order
   * added; a repeated folder moves last. Absent when there are none.
   */
  addedPath?: string[];
  /** State the action saved for a post step (`$GITHUB_STATE`, `::save-state`), masked. Absent when there is none. */
  state?: Record<string, string>;
  /** The step summary the action wrote to `$GITHUB_STEP_SUMMARY`: Markdown, masked, at most 1 MiB. */
  summary?: string;
}

// Callback API (all POST with `Authorization: Bearer <token>`, JSON unless said):
//   {url}/logs          LogBatch, or log records (LOG_RECORDS_TYPE) when the engine offers them
//   {url}/events        EventBatch
//   {url}/files/{name}  body: tar stream of the declared file (application/x-tar)
//   {url}/report        AgentReport
export interface LogEntry {
  stream: 'stdout' | 'stderr' | 'agent';
  text: string;
  /** Milliseconds since the epoch. */
  ts: number;
}

export interface LogBatch {
  /** Starts at 1 per task and grows by 1 per batch; the engine ignores a seq it has seen. */
  seq: number;
  entries: LogEntry[];
}

export type AgentEvent =
  | { type: 'started'; pid?: number; ts: number }
  | { type: 'output'; name: string; value: string; ts: number }
  | { type: 'file'; file: FileReport; ts: number }
  | { type: 'annotation'; annotation: Annotation; ts: number };

export interface EventBatch {
  seq: number;
  events: AgentEvent[];
}
