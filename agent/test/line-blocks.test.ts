import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineBlocks, wholeCharsEnd } from '../src/line-blocks.js';

function feed(blocks: LineBlocks, input: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  for (const cut of [...cuts, input.length]) {
    const end = Math.min(input.length, pos + cut);
    if (end > pos) out.push(...blocks.push(input.subarray(pos, end)));
    pos = end;
  }
  return [...out, ...blocks.end()];
}

const text = fc
  .array(fc.constantFrom('a', 'b', ' ', '\n', '\r\n', 'é', '✓', '😀'), { maxLength: 80 })
  .map((a) => a.join(''));

describe('LineBlocks', () => {
  it('gives back every byte once, in order, in blocks of whole lines or pieces of whole characters (property)', () => {
    fc.assert(
      fc.property(
        text,
        fc.array(fc.integer({ min: 1, max: 9 })),
        fc.integer({ min: 4, max: 40 }),
        (input, cuts, cap) => {
          const bytes = Buffer.from(input);
          const blocks = feed(new LineBlocks(cap), bytes, cuts);
          expect(Buffer.concat(blocks).toString()).toBe(input);
          for (const block of blocks) {
            expect(block.length).toBeGreaterThan(0);
            // each block decodes alone: no character is cut between two blocks
            expect(block.toString('utf8')).not.toContain('\ufffd');
          }
          // a line that fits the cap is never cut: no block boundary falls inside it
          const boundaries = new Set(blocks.map((_, i) => blocks.slice(0, i + 1).reduce((n, b) => n + b.length, 0)));
          let start = 0;
          for (let nl = bytes.indexOf(0x0a); nl >= 0; start = nl + 1, nl = bytes.indexOf(0x0a, start))
            if (nl + 1 - start <= cap) for (let at = start + 1; at <= nl; at++) expect(boundaries.has(at)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('hands whole lines on as they come, without waiting for the next chunk', () => {
    const blocks = new LineBlocks(100);
    expect(blocks.push(Buffer.from('one\ntwo\nthr')).map(String)).toEqual(['one\ntwo\n']);
    expect(blocks.push(Buffer.from('ee\nfo')).map(String)).toEqual(['three\n']);
    expect(blocks.end().map(String)).toEqual(['fo']);
    expect(blocks.end()).toEqual([]);
  });

  it('never cuts a piece inside a character', () => {
    expect(wholeCharsEnd(Buffer.from('ab'))).toBe(2);
    expect(wholeCharsEnd(Buffer.from('a😀').subarray(0, 3))).toBe(1);
    expect(wholeCharsEnd(Buffer.from('aé').subarray(0, 2))).toBe(1);
    expect(wholeCharsEnd(Buffer.from('aé'))).toBe(3);
    expect(wholeCharsEnd(Buffer.from([0x80, 0x80, 0x80, 0x80]))).toBe(4);
    expect(wholeCharsEnd(Buffer.alloc(0))).toBe(0);
  });
});
