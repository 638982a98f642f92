import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryForms, encodedForms, runnerEncodings } from '../../src/mask/variants.js';

const tokenChar = fc.constantFrom(...'abcxyzABCXYZ0123456789_.-'.split(''));

describe('binaryForms (the short cut for token-like secrets)', () => {
  it('gives the same forms as every escaping rule would, for values of letters, digits and _ . - (property)', () => {
    fc.assert(
      fc.property(fc.array(tokenChar, { minLength: 4, maxLength: 90 }), (chars) => {
        const value = chars.join('');
        const bytes = Buffer.from(value);
        const all = new Set([...encodedForms(value, bytes), ...runnerEncodings(value)]);
        all.delete(value);
        const short = new Set(binaryForms(bytes));
        short.delete(value);
        expect([...short].sort()).toEqual([...all].sort());
      }),
      { numRuns: 500 },
    );
  });

  it('misses the escaped forms of any other character, which is why it is only for those values', () => {
    for (const value of ['abc~def', 'abc def', "abc'def", 'abc"def', 'abc/def', 'abcé']) {
      const bytes = Buffer.from(value);
      const all = new Set([...encodedForms(value, bytes), ...runnerEncodings(value)]);
      expect(binaryForms(bytes).every((f) => all.has(f))).toBe(true);
      expect(all.size - 1).toBeGreaterThan(new Set(binaryForms(bytes)).size);
    }
  });
});
