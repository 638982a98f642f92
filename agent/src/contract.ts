/**
 * The agent's view of the contract in spec/src/agent-types.ts. The fields GitHub runner parity
 * added there (the `command` error kind, annotation ranges, `exportedEnv`, `addedPath`, `state`,
 * `summary`, `prependPath`) are declared here again, as optional extensions of the spec's types, so
 * the agent compiles against a copy of `@caravan/spec` that predates them. Once every copy has
 * them, these are plain aliases of the spec's types.
 */
import type { AgentError, AgentErrorKind, AgentReport, Annotation, TaskContext } from '@caravan/spec';

export type ReportErrorKind = AgentErrorKind | 'command';

export interface ReportError extends Omit<AgentError, 'kind'> {
  kind: ReportErrorKind;
}

export interface ReportAnnotation extends Annotation {
  endLine?: number;
  endCol?: number;
}

export interface Report extends Omit<AgentReport, 'errors' | 'annotations'> {
  errors: ReportError[];
  annotations: ReportAnnotation[];
  exportedEnv?: Record<string, string>;
  addedPath?: string[];
  state?: Record<string, string>;
  summary?: string;
}

export interface Context extends TaskContext {
  prependPath?: string[];
}
