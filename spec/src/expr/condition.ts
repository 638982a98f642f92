/** Evaluates a step's `if`. */
import type { Expr, ExprContext, ExprError } from './ast.js';
import { evaluate } from './evaluate.js';
import { FUNCTIONS } from './functions.js';
import { parseExpression } from './parser.js';
import { splitTemplate } from './template.js';
import { isTruthy } from './values.js';
import { shift } from './interpolate.js';

export type ConditionResult = { ok: true; value: boolean } | { ok: false; error: ExprError };

/**
 * Parses a condition written with or without `${{ }}`. Error offsets are in `expr` as given.
 */
export function parseCondition(expr: string): { ok: true; ast: Expr } | { ok: false; error: ExprError } {
  if (typeof expr !== 'string') return { ok: false, error: { message: 'condition must be a string', offset: 0 } };
  if (!expr.includes('${{')) return parseExpression(expr);
  const split = splitTemplate(expr);
  if (!split.ok) return split;
  const exprs = split.parts.filter((p) => p.kind === 'expr');
  const text = split.parts.filter((p) => p.kind === 'text' && p.text.trim() !== '');
  const only = exprs[0];
  if (exprs.length !== 1 || text.length > 0 || !only) {
    return {
      ok: false,
      error: {
        message: 'a condition is one expression',
        offset: 0,
        hint: 'write it without ${{ }}, or wrap all of it in one ${{ }}',
      },
    };
  }
  const parsed = parseExpression(only.source);
  return parsed.ok ? parsed : { ok: false, error: shift(parsed.error, only.offset) };
}

/**
 * True when the step should run. Without a status function (`success()`, `failure()`,
 * `always()`, `cancelled()`) the condition means `success() && (condition)`.
 */
export function evaluateCondition(expr: string, ctx: ExprContext): ConditionResult {
  const parsed = parseCondition(expr);
  if (!parsed.ok) return parsed;
  const result = evaluate(parsed.ast, ctx);
  if (!result.ok) return result;
  const value = isTruthy(result.value);
  if (usesStatusFunction(parsed.ast)) return { ok: true, value };
  const succeeded = ctx.status ? ctx.status.success && !ctx.status.cancelled : true;
  return { ok: true, value: succeeded && value };
}

export function usesStatusFunction(node: Expr): boolean {
  switch (node.kind) {
    case 'call':
      return FUNCTIONS[node.name]?.status === true || node.args.some(usesStatusFunction);
    case 'member':
      return usesStatusFunction(node.object);
    case 'index':
      return usesStatusFunction(node.object) || usesStatusFunction(node.index);
    case 'not':
      return usesStatusFunction(node.operand);
    case 'binary':
      return usesStatusFunction(node.left) || usesStatusFunction(node.right);
    default:
      return false;
  }
}
