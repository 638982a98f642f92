/** The functions an expression may call: arity for the parser, implementation for the evaluator. */
import type { ExprContext } from './ast.js';
import { equals, toText } from './values.js';

export type FunctionResult = { ok: true; value: unknown } | { ok: false; message: string; hint?: string };

export interface FunctionDef {
  minArgs: number;
  maxArgs: number;
  /** Status functions (`success()` …) decide whether a step runs after a failure. */
  status?: boolean;
  call(args: unknown[], ctx: ExprContext): FunctionResult;
}

const ok = (value: unknown): FunctionResult => ({ ok: true, value });

export const FUNCTIONS: Record<string, FunctionDef> = {
  toJSON: { minArgs: 1, maxArgs: 1, call: ([v]) => ok(JSON.stringify(v ?? null)) },
  fromJSON: {
    minArgs: 1,
    maxArgs: 1,
    call: ([v]) => {
      try {
        return ok(JSON.parse(toText(v)));
      } catch {
        // The parser's own message quotes the input, which may be a secret: never pass it on.
        return {
          ok: false,
          message: 'fromJSON: the argument is not valid JSON',
          hint: 'pass a JSON text, e.g. a step output written with toJSON',
        };
      }
    },
  },
  format: { minArgs: 1, maxArgs: 64, call: ([fmt, ...rest]) => format(toText(fmt), rest) },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    call: ([haystack, needle]) =>
      ok(
        Array.isArray(haystack)
          ? haystack.some((item) => equals(item, needle))
          : toText(haystack).includes(toText(needle)),
      ),
  },
  startsWith: { minArgs: 2, maxArgs: 2, call: ([s, prefix]) => ok(toText(s).startsWith(toText(prefix))) },
  endsWith: { minArgs: 2, maxArgs: 2, call: ([s, suffix]) => ok(toText(s).endsWith(toText(suffix))) },
  success: {
    minArgs: 0,
    maxArgs: 0,
    status: true,
    call: (_a, ctx) => ok(ctx.status ? ctx.status.success && !ctx.status.cancelled : true),
  },
  failure: { minArgs: 0, maxArgs: 0, status: true, call: (_a, ctx) => ok(ctx.status?.failure ?? false) },
  cancelled: { minArgs: 0, maxArgs: 0, status: true, call: (_a, ctx) => ok(ctx.status?.cancelled ?? false) },
  always: { minArgs: 0, maxArgs: 0, status: true, call: () => ok(true) },
};

/** `format('{0}-{1}', a, b)`; `{{` and `}}` stand for literal braces. */
function format(fmt: string, args: unknown[]): FunctionResult {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch === '{' && fmt[i + 1] === '{') {
      out += '{';
      i++;
    } else if (ch === '}' && fmt[i + 1] === '}') {
      out += '}';
      i++;
    } else if (ch === '{') {
      const close = fmt.indexOf('}', i);
      const index = close < 0 ? NaN : Number(fmt.slice(i + 1, close));
      if (!Number.isInteger(index) || index < 0 || close === i + 1) {
        return {
          ok: false,
          message: `format: invalid placeholder at position ${i}`,
          hint: 'placeholders are {0}, {1}, …; write {{ and }} for literal braces',
        };
      }
      if (index >= args.length) {
        return {
          ok: false,
          message: `format: placeholder {${index}} has no argument (${args.length} given)`,
          hint: 'pass one argument per placeholder',
        };
      }
      out += toText(args[index]);
      i = close;
    } else if (ch === '}') {
      return { ok: false, message: `format: unmatched } at position ${i}`, hint: 'write }} for a literal brace' };
    } else {
      out += ch;
    }
  }
  return ok(out);
}
