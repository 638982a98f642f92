/** The engine masks a batch's lines a run at a time, and the result is what masking each line gives. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskLogEntries, textMasker } from '../src/masking.js';

const SECRETS = ['hunter2-password', 'tok_9f8e7d6c5b4a', 'first-line\nsecond-line', 'p@ss"word'];
const masker = textMasker(SECRETS);
const lineByLine = (entries: { stream: string; text: string; ts: number }[]) =>
  entries.map((e) => ({ ...e, text: masker.mask(e.text) }));

const piece = fc.constantFrom(
  'plain words ',
  'hunter2-password',
  'tok_9f8e7d6c5b4a',
  'first-line',
  'second-line',
  Buffer.from('p@ss"word').toString('base64'),
  '\u001b[31m',
  'hunter2-',
  'password',
  '\n',
  'é😀',
  '',
);
const entry = fc.record({
  stream: fc.constantFrom('stdout', 'stderr'),
  text: fc.array(piece, { maxLength: 6 }).map((p) => p.join('')),
  ts: fc.constantFrom(1, 2),
});

describe('maskLogEntries', () => {
  it('masks exactly as line by line, whatever the lines, streams, times and secrets across lines (property)', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (entries) => {
        expect(maskLogEntries(masker, entries)).toEqual(lineByLine(entries));
      }),
      { numRuns: 2000 },
    );
  });

  it('masks a run of many lines with few calls, and a multi-line secret split over two lines line by line', () => {
    let calls = 0;
    const counting = { mask: (t: string) => (calls++, masker.mask(t)) };
    const run = Array.from({ length: 500 }, (_, i) => ({
      stream: 'stdout',
      text: i % 100 === 0 ? `key hunter2-password ${i}` : `line ${i}`,
      ts: 7,
    }));
    expect(maskLogEntries(counting, run)).toEqual(lineByLine(run));
    expect(calls).toBe(1);
    calls = 0;
    const split = [
      { stream: 'stdout', text: 'first-line', ts: 1 },
      { stream: 'stdout', text: 'second-line', ts: 1 },
    ];
    expect(maskLogEntries(counting, split).map((e) => e.text)).toEqual(['***', '***']);
    expect(calls).toBe(3); // the run, then each line again
  });
});
