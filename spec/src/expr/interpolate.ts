/** Substitutes `${{ }}` expressions in a string. */
import type { ExprContext, ExprError } from './ast.js';
import { evaluate } from './evaluate.js';
import { parseExpression } from './parser.js';
import { splitTemplate } from './template.js';
import { toText } from './values.js';

export type InterpolateResult = { ok: true; value: unknown } | { ok: false; error: ExprError };

/**
 * A template that is exactly one `${{ }}` yields the raw value (a number stays a number);
 * otherwise each expression's value is turned into text. Error offsets are in the template.
 */
export function interpolate(template: string, ctx: ExprContext): InterpolateResult {
  if (typeof template !== 'string') return { ok: false, error: { message: 'template must be a string', offset: 0 } };
  const split = splitTemplate(template);
  if (!split.ok) return split;
  const values: unknown[] = [];
  for (const part of split.parts) {
    if (part.kind === 'text') {
      values.push(part.text);
      continue;
    }
    const parsed = parseExpression(part.source);
    if (!parsed.ok) return { ok: false, error: shift(parsed.error, part.offset) };
    const result = evaluate(parsed.ast, ctx);
    if (!result.ok) return { ok: false, error: shift(result.error, part.offset) };
    if (split.parts.length === 1) return { ok: true, value: result.value };
    values.push(toText(result.value));
  }
  return { ok: true, value: values.join('') };
}

export function shift(error: ExprError, by: number): ExprError {
  return { ...error, offset: error.offset + by };
}
