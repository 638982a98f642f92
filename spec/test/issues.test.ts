import { describe, expect, it } from 'vitest';
import { formatIssue } from '../src/issues.js';

describe('formatIssue', () => {
  it('puts file:line:col first, then the key and the hint', () => {
    expect(
      formatIssue({
        severity: 'error',
        file: 'p.yml',
        line: 3,
        col: 5,
        key: 'steps[0].uses',
        message: 'bad',
        hint: 'use scope/name@range',
      }),
    ).toBe('p.yml:3:5: error: bad [steps[0].uses] — use scope/name@range');
  });
  it('starts with file:line:col: error: for every located error', () => {
    const line = formatIssue({
      severity: 'error',
      file: 'dir/p.yml',
      line: 12,
      col: 7,
      message: 'too deep',
      hint: 'h',
    });
    expect(line).toMatch(/^dir\/p\.yml:12:7: error: too deep/);
    expect(line.startsWith('dir/p.yml:12:7: error: ')).toBe(true);
  });
  it('omits the position when it is unknown', () => {
    expect(formatIssue({ severity: 'warning', file: 'p.yml', line: 0, col: 0, message: 'missing' })).toBe(
      'p.yml: warning: missing',
    );
  });
});
