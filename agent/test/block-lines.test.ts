import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockText, LineBlocks } from '../src/line-blocks.js';

/** What the log path makes of masked output: LineBlocks' blocks decoded as lines. */
class MaskedLines {
  private readonly blocks: LineBlocks;
  constructor(cap: number) {
    this.blocks = new LineBlocks(cap);
  }
  push = (chunk: Buffer) => this.blocks.push(chunk).map(blockText);
  end = () => this.blocks.end().map(blockText);
}

function feed(lines: MaskedLines, input: Buffer, cuts: number[]): string[] {
  const out: string[] = [];
  let pos = 0;
  for (const cut of cuts) {
    const end = Math.min(input.length, pos + cut);
    if (end > pos) for (const block of lines.push(input.subarray(pos, end))) out.push(...block.split('\n'));
    pos = end;
  }
  if (pos < input.length) for (const block of lines.push(input.subarray(pos))) out.push(...block.split('\n'));
  for (const block of lines.end()) out.push(...block.split('\n'));
  return out;
}

const text = fc
  .array(fc.constantFrom('a', 'b', ' ', '\n', '\r', '\r\n', 'é', '😀'), { maxLength: 60 })
  .map((a) => a.join(''));

describe('masked output as log lines (LineBlocks, blockText)', () => {
  it('gives each line once, without its \\n or \\r\\n, over any chunking (property)', () => {
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 9 })), (input, cuts) => {
        const expected = input.split('\n').map((line, i, all) => (i < all.length - 1 ? line.replace(/\r$/, '') : line));
        if (expected.at(-1) === '') expected.pop();
        expect(feed(new MaskedLines(1000), Buffer.from(input), cuts)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes invalid UTF-8 as U+FFFD within its own line, whatever the chunking', () => {
    const input = Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xff, 0xc3]), Buffer.from('\nnext é\n')]);
    for (let cut = 1; cut <= input.length; cut++) {
      expect(
        feed(
          new MaskedLines(1000),
          input,
          Array.from({ length: input.length }, () => cut),
        ),
      ).toEqual(['ok', 'bad \ufffd\ufffd', 'next é']);
    }
  });

  it('hands on a line longer than the cap in pieces that join up to it, characters whole', () => {
    const long = `${'é'.repeat(40)}😀${'x'.repeat(30)}`;
    const input = Buffer.from(`short\n${long}\nafter\n`);
    for (let cut = 1; cut < 20; cut++) {
      const pieces = feed(
        new MaskedLines(16),
        input,
        Array.from({ length: input.length }, () => cut),
      );
      expect(pieces[0]).toBe('short');
      expect(pieces.at(-1)).toBe('after');
      expect(pieces.slice(1, -1).join('')).toBe(long);
      expect(pieces.length).toBeGreaterThan(3);
    }
  });
});
