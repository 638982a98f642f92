import { ActionError, getInput, info, run, setOutput } from './lib/io.mjs';
import { checkCondition, normalizeOperator, parseCondition } from './lib/conditions.mjs';

run(() => {
  const checks = [];
  const actual = getInput('actual');
  const expected = getInput('expected');
  const operator = getInput('operator', {
    default: 'equals',
    enum: [
      'equals',
      'not-equals',
      'contains',
      'not-contains',
      'matches',
      'starts-with',
      'ends-with',
      'gt',
      'gte',
      'lt',
      'lte',
      'empty',
      'not-empty',
    ],
  });
  const op = normalizeOperator(operator);
  const unary = op === 'empty' || op === 'not-empty';
  if (actual !== undefined || expected !== undefined) {
    if (expected === undefined && !unary)
      throw new ActionError(`input "expected" is required with operator "${operator}"`);
    checks.push({
      label: `actual ${operator}${unary ? '' : ` ${JSON.stringify(expected)}`}`,
      actual: actual ?? '',
      op,
      expected,
    });
  } else if (unary) {
    checks.push({ label: `actual ${operator}`, actual: '', op, expected });
  }
  for (const c of getInput('conditions', { type: 'string[]', default: [] }).map(parseCondition)) {
    checks.push({ label: `"${c.source}"`, actual: c.left, op: c.op, expected: c.right });
  }
  if (checks.length === 0)
    throw new ActionError('nothing to check: give "actual" and "expected" (with "operator"), or "conditions"');

  const failures = [];
  for (const c of checks) {
    const why = checkCondition(c.actual, c.op, c.expected);
    if (why) failures.push(`${c.label} failed: ${why}`);
    else info(`ok: ${c.label}`);
  }
  if (failures.length > 0) {
    const message = getInput('message');
    throw new ActionError(
      `${message ? `${message}: ` : ''}${failures.length} of ${checks.length} assertion(s) failed: ${failures.join('; ')}`,
    );
  }
  setOutput('checked', checks.length);
});
