/** Types the engine uses from the spec, gathered in one place. */
export type { ActionSpec, PipelineStep, Pipeline, TaskContext, AgentReport } from '@caravan/spec';
export type { ExprContext as ExprContextLike } from '@caravan/spec';
