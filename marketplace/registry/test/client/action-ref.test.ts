import { describe, expect, it } from 'vitest';
import { parseActionRef } from '../../src/client/index.js';

describe('parseActionRef', () => {
  it.each([
    ['acme/lint@^1.2', { name: 'acme/lint', range: '^1.2' }],
    ['acme/lint', { name: 'acme/lint', range: 'latest' }],
    ['acme/payments/deploy@1.0.0', { name: 'acme/payments/deploy', range: '1.0.0' }],
    ['~alice/lint@beta', { name: '~alice/lint', range: 'beta' }],
    [' acme/lint@ ~1.2.3 ', { name: 'acme/lint', range: '~1.2.3' }],
    ['acme/lint@sha512-abc', { name: 'acme/lint', range: 'sha512-abc' }],
  ])('%s', (ref, expected) => {
    expect(parseActionRef(ref)).toEqual(expected);
  });

  it.each([
    ['acme/lint@', /nothing after "@"/],
    ['lint@1', /expected 2 or 3 segments/],
    ['a/b/c/d', /expected 2 or 3 segments/],
    ['Acme/Lint', /segment "Acme" is not allowed/],
    ['~alice/x/y', /personal scope has no projects/],
    ['', /invalid action name/],
  ])('rejects %j', (ref, message) => {
    expect(() => parseActionRef(ref)).toThrow(message);
  });
});
