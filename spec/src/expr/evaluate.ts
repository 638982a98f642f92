/** Evaluates a parsed expression against a context; never throws. */
import type { ContextName, EvalResult, Expr, ExprContext, ExprError } from './ast.js';
import { FUNCTIONS } from './functions.js';
import { compare, equals, isTruthy, toText } from './values.js';

class EvalFailure {
  constructor(readonly error: ExprError) {}
}

export function evaluate(ast: Expr, ctx: ExprContext): EvalResult {
  try {
    return { ok: true, value: evalNode(ast, ctx) };
  } catch (e) {
    if (e instanceof EvalFailure) return { ok: false, error: e.error };
    const message = e instanceof RangeError ? 'expression nests too deeply' : 'expression could not be evaluated';
    return { ok: false, error: { message, offset: ast.offset } };
  }
}

function evalNode(node: Expr, ctx: ExprContext): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'context':
      return contextValue(node.name, ctx);
    case 'member':
      return property(evalNode(node.object, ctx), node.property);
    case 'index': {
      const key = evalNode(node.index, ctx);
      return property(evalNode(node.object, ctx), typeof key === 'number' ? key : toText(key));
    }
    case 'not':
      return !isTruthy(evalNode(node.operand, ctx));
    case 'binary':
      return binary(node, ctx);
    case 'call': {
      const def = FUNCTIONS[node.name];
      if (!def) throw new EvalFailure({ message: `unknown function "${node.name}"`, offset: node.offset });
      const result = def.call(
        node.args.map((a) => evalNode(a, ctx)),
        ctx,
      );
      if (!result.ok)
        throw new EvalFailure(
          result.hint
            ? { message: result.message, offset: node.offset, hint: result.hint }
            : { message: result.message, offset: node.offset },
        );
      return result.value;
    }
  }
}

function binary(node: Extract<Expr, { kind: 'binary' }>, ctx: ExprContext): unknown {
  const left = evalNode(node.left, ctx);
  // && and || yield an operand, not a boolean, and skip the right side when the left decides.
  if (node.op === '&&') return isTruthy(left) ? evalNode(node.right, ctx) : left;
  if (node.op === '||') return isTruthy(left) ? left : evalNode(node.right, ctx);
  const right = evalNode(node.right, ctx);
  switch (node.op) {
    case '==':
      return equals(left, right);
    case '!=':
      return !equals(left, right);
    case '<':
      return compare(left, right) < 0;
    case '<=':
      return compare(left, right) <= 0;
    case '>':
      return compare(left, right) > 0;
    case '>=':
      return compare(left, right) >= 0;
  }
}

function contextValue(name: ContextName, ctx: ExprContext): unknown {
  switch (name) {
    case 'outputs':
      // Erda's `outputs.<alias>.<key>` is `steps.<alias>.outputs.<key>`.
      return Object.fromEntries(Object.entries(ctx.steps ?? {}).map(([id, step]) => [id, step.outputs ?? {}]));
    default:
      return ctx[name] ?? {};
  }
}

/** Missing properties are null, as in GitHub Actions; own properties only. */
function property(value: unknown, key: string | number): unknown {
  if (Array.isArray(value)) {
    const index = typeof key === 'number' ? key : Number(key);
    return Number.isInteger(index) && index >= 0 && index < value.length ? value[index] : null;
  }
  if (typeof value === 'object' && value !== null) {
    const name = String(key);
    return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : null;
  }
  return null;
}
