import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, lineText } from '../src/line-splitter.js';

describe('LineSplitter', () => {
  it('hands on whole lines with their newline and keeps a partial line until it ends', () => {
    const s = new LineSplitter(100);
    expect(s.push(Buffer.from('one\ntw')).map((p) => [p.bytes.toString(), p.whole])).toEqual([['one\n', true]]);
    expect(s.push(Buffer.from('o\r\nthree')).map((p) => [p.bytes.toString(), p.whole])).toEqual([['two\r\n', true]]);
    expect(s.end().map((p) => [p.bytes.toString(), p.whole])).toEqual([['three', true]]);
    expect(lineText(Buffer.from('two\r\n'))).toBe('two');
  });

  it('streams a line longer than the cap in pieces, marked not whole, holding at most the cap', () => {
    const s = new LineSplitter(10);
    const first = s.push(Buffer.from('x'.repeat(25)));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ whole: false, first: true });
    const next = s.push(Buffer.from('yyyy\nok\n'));
    expect(next.map((p) => [p.bytes.toString(), p.whole, p.first])).toEqual([
      ['yyyy\n', false, false],
      ['ok\n', true, true],
    ]);
  });

  it('loses and reorders no byte over any split of any input (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '\n', 'é', '\r')).map((a) => a.join('')),
        fc.array(fc.nat(40)),
        fc.integer({ min: 1, max: 12 }),
        (text, cuts, cap) => {
          const bytes = Buffer.from(text);
          const s = new LineSplitter(cap);
          const out: Buffer[] = [];
          let pos = 0;
          for (const cut of cuts) {
            const end = Math.min(bytes.length, pos + cut);
            for (const p of s.push(bytes.subarray(pos, end))) {
              if (p.whole) expect(p.bytes.length).toBeLessThanOrEqual(cap);
              out.push(p.bytes);
            }
            pos = end;
          }
          out.push(...s.push(bytes.subarray(pos)).map((p) => p.bytes), ...s.end().map((p) => p.bytes));
          expect(Buffer.concat(out).equals(bytes)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
