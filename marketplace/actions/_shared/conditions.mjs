// Conditions on values, written `left <operator> right` (e.g. `$.data.id == 42`, `v matches ^1\.`).
import { ActionError } from './io.mjs';

export const BINARY_OPERATORS = [
  '==',
  '!=',
  '>=',
  '<=',
  '>',
  '<',
  'contains',
  'not-contains',
  'matches',
  'starts-with',
  'ends-with',
];
export const UNARY_OPERATORS = ['exists', 'not-exists', 'empty', 'not-empty'];

const NAMED = { equals: '==', 'not-equals': '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** Accepts the symbols above and the names equals, not-equals, gt, gte, lt, lte. */
export function normalizeOperator(op) {
  const o = NAMED[op] ?? op;
  if (!BINARY_OPERATORS.includes(o) && !UNARY_OPERATORS.includes(o)) {
    throw new ActionError(
      `unknown operator "${op}": use one of ${[...BINARY_OPERATORS, ...UNARY_OPERATORS].join(', ')}`,
    );
  }
  return o;
}

function unquote(text) {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.at(-1) === t[0]) return t.slice(1, -1);
  return t;
}

/** Splits `left op right` (or `left op` for unary operators) at the first operator between spaces. */
export function parseCondition(text) {
  const source = String(text).trim();
  for (const op of UNARY_OPERATORS) {
    if (source.endsWith(` ${op}`))
      return { left: unquote(source.slice(0, -op.length - 1)), op, right: undefined, source };
  }
  let best;
  for (const op of BINARY_OPERATORS) {
    const at = source.indexOf(` ${op} `);
    if (at > 0 && (best === undefined || at < best.at)) best = { op, at };
  }
  if (!best) {
    throw new ActionError(
      `condition "${source}" has no operator: write "left <op> right" with spaces around one of ${BINARY_OPERATORS.join(' ')} (or "left exists")`,
    );
  }
  return {
    left: unquote(source.slice(0, best.at)),
    op: best.op,
    right: unquote(source.slice(best.at + best.op.length + 2)),
    source,
  };
}

function text(value) {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function asNumber(value) {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return NaN;
  return Number(value);
}

function show(value) {
  if (value === undefined) return '(missing)';
  const t = JSON.stringify(value);
  return t.length > 200 ? `${t.slice(0, 197)}...` : t;
}

/**
 * Checks `actual <op> expected`. `actual` may be any JSON value (or undefined when missing),
 * `expected` is text. Returns null when the condition holds, else the reason it does not.
 */
export function checkCondition(actual, op, expected) {
  const a = text(actual);
  const e = expected ?? '';
  const numeric = () => {
    const x = asNumber(actual);
    const y = asNumber(e);
    if (Number.isNaN(x) || Number.isNaN(y))
      throw new ActionError(`cannot compare ${show(actual)} ${op} ${show(e)}: both sides must be numbers`);
    return [x, y];
  };
  let holds;
  switch (op) {
    case '==':
    case '!=': {
      const x = asNumber(actual);
      const y = asNumber(e);
      const equal = !Number.isNaN(x) && !Number.isNaN(y) ? x === y : a === e;
      holds = op === '==' ? equal : !equal;
      break;
    }
    case '>': {
      const [x, y] = numeric();
      holds = x > y;
      break;
    }
    case '>=': {
      const [x, y] = numeric();
      holds = x >= y;
      break;
    }
    case '<': {
      const [x, y] = numeric();
      holds = x < y;
      break;
    }
    case '<=': {
      const [x, y] = numeric();
      holds = x <= y;
      break;
    }
    case 'contains':
      holds = Array.isArray(actual) ? actual.some((item) => text(item) === e) : a.includes(e);
      break;
    case 'not-contains':
      holds = Array.isArray(actual) ? !actual.some((item) => text(item) === e) : !a.includes(e);
      break;
    case 'starts-with':
      holds = a.startsWith(e);
      break;
    case 'ends-with':
      holds = a.endsWith(e);
      break;
    case 'matches': {
      let re;
      try {
        re = new RegExp(e);
      } catch (err) {
        throw new ActionError(`bad regular expression ${show(e)}: ${err.message}`);
      }
      holds = re.test(a);
      break;
    }
    case 'exists':
      holds = actual !== undefined;
      break;
    case 'not-exists':
      holds = actual === undefined;
      break;
    case 'empty':
      holds = actual === undefined || actual === null || a === '' || a === '[]' || a === '{}';
      break;
    case 'not-empty':
      holds = !(actual === undefined || actual === null || a === '' || a === '[]' || a === '{}');
      break;
    default:
      throw new ActionError(`unknown operator "${op}"`);
  }
  if (holds) return null;
  return UNARY_OPERATORS.includes(op)
    ? `value is ${show(actual)}, expected it to be ${op}`
    : `got ${show(actual)}, expected ${op} ${show(e)}`;
}
