import { describe, expect, it } from 'vitest';
import { InvalidActionNameError, parseActionRef, parseVersionRef } from '../../src/client/index.js';

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

describe('parseVersionRef', () => {
  it.each([
    ['acme/lint@1.2.0', { name: 'acme/lint', version: '1.2.0' }],
    ['~alice/x@2.0.0-rc.1', { name: '~alice/x', version: '2.0.0-rc.1' }],
    ['acme/payments/deploy@0.1.0', { name: 'acme/payments/deploy', version: '0.1.0' }],
  ])('%s', (ref, expected) => {
    expect(parseVersionRef(ref)).toEqual(expected);
  });

  it.each([
    ['acme/lint', /is not NAME@VERSION: write it like acme\/lint@1\.2\.0/],
    ['acme/lint@', /is not NAME@VERSION/],
    ['@1.0.0', /is not NAME@VERSION/],
    ['Acme/lint@1.0.0', /segment "Acme" is not allowed/],
    ['acme/lint@^1.2', /does not name one exact version/],
    ['acme/lint@v1.0.0', /does not name one exact version/],
    // would walk to another route if sent unencoded
    ['acme/lint@1.0.0/../../../../../../tokens/tok_1', /does not name one exact version/],
    ['acme/lint@1.0.0?x=1', /does not name one exact version/],
  ])('rejects %j before anything is sent', (ref, message) => {
    expect(() => parseVersionRef(ref)).toThrow(InvalidActionNameError);
    expect(() => parseVersionRef(ref)).toThrow(message);
  });
});
