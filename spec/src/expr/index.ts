export type {
  ContextName,
  EvalResult,
  Expr,
  ExprContext,
  ExprError,
  ParseExpressionResult,
  StepResults,
} from './ast.js';
export { CONTEXT_NAMES } from './ast.js';
export { parseExpression, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from './parser.js';
export { evaluate } from './evaluate.js';
export { interpolate } from './interpolate.js';
export { evaluateCondition, parseCondition, usesStatusFunction } from './condition.js';
export { listReferences, listConditionReferences, type Reference } from './references.js';
export { splitTemplate, type TemplatePart } from './template.js';
export { FUNCTIONS } from './functions.js';
export { toText, isTruthy } from './values.js';
