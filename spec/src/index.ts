export * from './issues.js';
export * from './action-types.js';
export * from './pipeline-types.js';
export * from './agent-types.js';
export { LOG_RECORDS_TYPE, LogRecordsError, logRecordHead, logRecordsHead, parseLogRecords } from './log-records.js';
export { parseActionYaml, loadActionFile, resolveActionFile } from './action-parse.js';
export { parsePipelineYaml, loadPipelineFile, SHELL_ACTION, DEFAULT_RETRY } from './pipeline-parse.js';
export {
  NESTED_ACTION,
  NESTED_EXECUTOR,
  REGISTERED_PIPELINE_NAME,
  isNestedFileUses,
  isNestedUses,
  isRegisteredPipelineUses,
} from './pipeline-steps.js';
export {
  checkNestedPipelines,
  loadNestedPipelines,
  nestedPipelineFile,
  DEFAULT_NESTING_DEPTH,
  type NestingOptions,
  type RegisteredPipelineLookup,
  type RegisteredPipelineSource,
} from './pipeline-nesting.js';
export { checkActionUsage, type ActionUsageIssues } from './pipeline-action-checks.js';
export { ACTION_NAME_PATTERN, isActionName, actionScope, parseUses, type UsesResult } from './action-name.js';
export { parseDuration } from './duration.js';
export { closest, levenshtein } from './did-you-mean.js';
export {
  validateJson,
  validatorFor,
  type SchemaName,
  actionSchema,
  pipelineSchema,
  taskContextSchema,
  agentReportSchema,
} from './schemas.js';
export * from './expr/index.js';
export { byPosition } from './yaml-source.js';
export { renderActionDocs, currentDocsSection, updateReadme, DOCS_START, DOCS_END } from './action-docs.js';
export { findCycles } from './pipeline-graph.js';
export {
  cronProblem,
  isTimeZone,
  nextFireTimes,
  fireTimesBetween,
  DEFAULT_CATCH_UP,
  DEFAULT_MAX_CATCH_UP,
  unregisteredTriggerWarnings,
} from './pipeline-triggers.js';
