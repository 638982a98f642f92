/** Splits a template string into literal text and `${{ }}` expressions, with offsets. */
import type { ExprError } from './ast.js';

export const MAX_TEMPLATE_LENGTH = 1024 * 1024;

export type TemplatePart =
  | { kind: 'text'; text: string; offset: number }
  /** `source` is the text between the braces; `offset` is where that text starts in the template. */
  | { kind: 'expr'; source: string; offset: number; start: number; end: number };

export type SplitResult = { ok: true; parts: TemplatePart[] } | { ok: false; error: ExprError };

export function splitTemplate(template: string): SplitResult {
  if (template.length > MAX_TEMPLATE_LENGTH) {
    return {
      ok: false,
      error: {
        message: `text is ${template.length} characters long, over the limit of ${MAX_TEMPLATE_LENGTH}`,
        offset: 0,
        hint: 'move large content into files',
      },
    };
  }
  const parts: TemplatePart[] = [];
  let pos = 0;
  for (;;) {
    const open = template.indexOf('${{', pos);
    if (open < 0) break;
    if (open > pos) parts.push({ kind: 'text', text: template.slice(pos, open), offset: pos });
    const close = findClose(template, open + 3);
    if (close < 0)
      return { ok: false, error: { message: 'unclosed "${{"', offset: open, hint: 'end the expression with }}' } };
    parts.push({
      kind: 'expr',
      source: template.slice(open + 3, close),
      offset: open + 3,
      start: open,
      end: close + 2,
    });
    pos = close + 2;
  }
  if (pos < template.length) parts.push({ kind: 'text', text: template.slice(pos), offset: pos });
  return { ok: true, parts };
}

/** The offset of the `}}` that closes an expression, skipping single-quoted strings; -1 if none. */
function findClose(template: string, from: number): number {
  let inString = false;
  for (let i = from; i < template.length; i++) {
    const ch = template[i];
    if (inString) {
      if (ch === "'") inString = template[i + 1] === "'" ? (i++, true) : false;
    } else if (ch === "'") {
      inString = true;
    } else if (ch === '}' && template[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}
