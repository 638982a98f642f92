/** The skip scanner against a naive search, for every window and gram size it picks. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkipScanner } from '../../src/mask/skip-scanner.js';

function naive(text: Buffer, patterns: Buffer[]): string[] {
  const found: string[] = [];
  for (const p of patterns) {
    for (let at = text.indexOf(p); at !== -1; at = text.indexOf(p, at + 1)) found.push(`${at}-${at + p.length}`);
  }
  return found.sort();
}

function scanned(text: Buffer, patterns: Buffer[]): string[] {
  const out: number[] = [];
  new SkipScanner(patterns).find(text, 0, text.length - 1, out);
  const found: string[] = [];
  for (let i = 0; i < out.length; i += 2) found.push(`${out[i]}-${out[i + 1]}`);
  return found.sort();
}

/** Small alphabets make matches, near-misses and hash collisions frequent. */
const bytesOf = (alphabet: string, minLength: number, maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((a) => Buffer.from(a.join('')));

describe('SkipScanner', () => {
  for (const [label, min, max] of [
    ['2-gram windows (4-5 bytes)', 4, 5],
    ['3-gram windows (6-11 bytes)', 6, 11],
    ['4-gram windows (12+ bytes)', 12, 40],
    ['windows capped at 64 bytes', 70, 90],
  ] as const) {
    it(`finds exactly the occurrences a naive search finds: ${label}`, () => {
      fc.assert(
        fc.property(
          fc.array(bytesOf('abc', min, max), { minLength: 1, maxLength: 30 }),
          fc.array(fc.oneof(bytesOf('abcd', 0, 30), fc.nat()), { maxLength: 20 }),
          (patterns, parts) => {
            const text = Buffer.concat(
              parts.map((p) => (typeof p === 'number' ? (patterns[p % patterns.length] as Buffer) : p)),
            );
            expect(scanned(text, patterns)).toEqual(naive(text, patterns));
          },
        ),
        { numRuns: 400 },
      );
    });
  }

  it('only reports matches starting in the asked range', () => {
    const text = Buffer.from('xxsecret-onexxsecret-onexx');
    const out: number[] = [];
    new SkipScanner([Buffer.from('secret-one')]).find(text, 3, 20, out);
    expect(out).toEqual([14, 24]);
  });

  it('refuses an empty pattern set and one-byte patterns', () => {
    expect(() => new SkipScanner([])).toThrow(/at least one pattern/);
    expect(() => new SkipScanner([Buffer.from('a')])).toThrow(/at least 2 bytes/);
  });
});
