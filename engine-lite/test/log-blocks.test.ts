/** How a batch's entries are cut into blocks: by stream and time, at the block limits, "\n" alone. */
import { describe, expect, it } from 'vitest';
import { logBlocks, MAX_BLOCK_CHARS, MAX_BLOCK_LINES, type NewLogEntry } from '../src/store/log-blocks.js';

const e = (text: string, stream: NewLogEntry['stream'] = 'stdout', ts = 1): NewLogEntry => ({ stream, text, ts });
const shape = (entries: NewLogEntry[]) => logBlocks(entries).map((b) => [b.firstIdx, b.lines, b.stream, b.ts]);

describe('logBlocks', () => {
  it('starts a block where the stream or the time changes, its text the lines joined by "\\n"', () => {
    const entries = [e('a'), e('b'), e('c', 'stderr'), e('d', 'stderr', 2), e(''), e('')];
    expect(shape(entries)).toEqual([
      [0, 2, 'stdout', 1],
      [2, 1, 'stderr', 1],
      [3, 1, 'stderr', 2],
      [4, 2, 'stdout', 1],
    ]);
    expect(logBlocks(entries).map((b) => b.text)).toEqual(['a\nb', 'c', 'd', '\n']);
  });

  it('puts an entry holding "\\n" in a block of its own, unchanged', () => {
    const blocks = logBlocks([e('a'), e('x\ny'), e('b'), e('c')]);
    expect(blocks.map((b) => [b.firstIdx, b.lines, b.text])).toEqual([
      [0, 1, 'a'],
      [1, 1, 'x\ny'],
      [2, 2, 'b\nc'],
    ]);
  });

  it('closes a block at its line and character limits; a longer line is a block of its own', () => {
    const many = Array.from({ length: MAX_BLOCK_LINES + 1 }, () => e('x'));
    expect(logBlocks(many).map((b) => b.lines)).toEqual([MAX_BLOCK_LINES, 1]);
    const half = 'h'.repeat(MAX_BLOCK_CHARS / 2);
    expect(logBlocks([e(half), e(half), e('z')]).map((b) => b.lines)).toEqual([1, 2]);
    const huge = 'x'.repeat(MAX_BLOCK_CHARS + 1);
    expect(logBlocks([e('a'), e(huge), e('b')]).map((b) => [b.firstIdx, b.lines])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it('stores NUL and lone surrogates as U+FFFD', () => {
    expect(logBlocks([e('n\0l'), e('s\ud800')])[0]?.text).toBe('n\ufffdl\ns\ufffd');
    // halves of a pair on two lines stay two lone halves: lines are joined, never merged
    expect(logBlocks([e('high \ud83d'), e('\ude00 low'), e('x\ny\ud800')]).map((b) => b.text)).toEqual([
      'high \ufffd\n\ufffd low',
      'x\ny\ufffd',
    ]);
  });

  it('makes no block of an empty batch', () => {
    expect(logBlocks([])).toEqual([]);
  });
});
