import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

describe('caravan/assert under the agent', () => {
  it('passes when every condition holds', async () => {
    const run = await runAction('assert', {
      actual: '1.4.2',
      expected: '^1\\.',
      operator: 'matches',
      conditions: [
        '10 > 9',
        '3.0 == 3',
        'release-notes contains notes',
        'abc starts-with a',
        'x != y',
        ' not-empty-value not-empty',
      ],
    });
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs.checked).toBe('7');
  });

  it('fails naming each failed condition, with the custom message first', async () => {
    const run = await runAction('assert', {
      actual: 'staging',
      expected: 'production',
      conditions: ['2 >= 5'],
      message: 'deploy target check',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.report.status).toBe('failed');
    const errors = errorMessages(run);
    expect(errors).toMatch(/deploy target check: 2 of 2 assertion\(s\) failed/);
    expect(errors).toContain('actual equals "production" failed: got "staging", expected == "production"');
    expect(errors).toContain('"2 >= 5" failed: got "2", expected >= "5"');
  });

  it('rejects bad operators, non-numbers compared as numbers and empty input', async () => {
    expect(errorMessages(await runAction('assert', { actual: '1', expected: '1', operator: 'same' }))).toMatch(
      /input "operator" must be one of "equals"/,
    );
    expect(errorMessages(await runAction('assert', { actual: 'abc', expected: '1', operator: 'gt' }))).toMatch(
      /cannot compare "abc" > "1": both sides must be numbers/,
    );
    expect(errorMessages(await runAction('assert', {}))).toMatch(/nothing to check/);
    expect(errorMessages(await runAction('assert', { actual: 'x' }))).toMatch(
      /input "expected" is required with operator "equals"/,
    );
    expect(errorMessages(await runAction('assert', { conditions: 'a equals b' }))).toMatch(/has no operator/);
    expect(errorMessages(await runAction('assert', { conditions: [{ a: 1 }] }))).toMatch(
      /input "conditions\[0\]" must be a string/,
    );
    expect(errorMessages(await runAction('assert', { actual: 'a', expected: '(', operator: 'matches' }))).toMatch(
      /bad regular expression/,
    );
  });

  it('checks emptiness', async () => {
    expect((await runAction('assert', { actual: '', operator: 'empty' })).exitCode).toBe(0);
    expect(errorMessages(await runAction('assert', { actual: 'x', operator: 'empty' }))).toMatch(
      /actual empty failed: value is "x", expected it to be empty/,
    );
  });
});
