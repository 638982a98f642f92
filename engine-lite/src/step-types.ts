/** Types the engine uses from the spec, gathered in one place. */
export type { ActionSpec, PipelineStep, Pipeline, TaskContext, AgentReport } from '../../spec/src/index.js';
export type { ExprContext as ExprContextLike } from '../../spec/src/expr/index.js';
