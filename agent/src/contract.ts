/** The agent's short names for the contract types of spec/src/agent-types.ts. */
export type {
  AgentErrorKind as ReportErrorKind,
  AgentError as ReportError,
  Annotation as ReportAnnotation,
  AgentReport as Report,
  TaskContext as Context,
} from '@caravan/spec';
