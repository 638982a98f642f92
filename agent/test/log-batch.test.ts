import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogBatchBuilder, entriesJson } from '../src/log-batch.js';

const lineChars = fc.constantFrom(...'ab \t"\\/\r\b\f\u0000\u001b\u007fé€😀\u2028n'.split(/(?:)/u), '\ud800', '\udfff');
const lines = fc.array(
  fc.array(lineChars, { maxLength: 12 }).map((a) => a.join('')),
  { minLength: 1, maxLength: 8 },
);

describe('log batches', () => {
  it('serializes lines joined by \\n as JSON.stringify does one entry per line, whatever they hold (property)', () => {
    fc.assert(
      fc.property(lines, fc.constantFrom('stdout', 'stderr') as fc.Arbitrary<'stdout' | 'stderr'>, (texts, stream) => {
        const json = entriesJson(stream, texts.join('\n'), 7);
        expect(json).toBe(texts.map((text) => JSON.stringify({ stream, text, ts: 7 })).join(','));
        expect(JSON.parse(`[${json}]`)).toEqual(texts.map((text) => ({ stream, text, ts: 7 })));
      }),
      { numRuns: 1000 },
    );
  });

  it('builds a {seq, entries} body of single entries and blocks in order, and starts again empty', () => {
    const batch = new LogBatchBuilder();
    batch.add({ stream: 'agent', text: 'hello "agent"', ts: 1 });
    batch.addLines('stdout', 'one\ntwo\\path\n', 2);
    batch.addLines('stderr', 'three', 3);
    expect(batch.entries).toBe(5);
    expect(JSON.parse(batch.take(4).toString('utf8'))).toEqual({
      seq: 4,
      entries: [
        { stream: 'agent', text: 'hello "agent"', ts: 1 },
        { stream: 'stdout', text: 'one', ts: 2 },
        { stream: 'stdout', text: 'two\\path', ts: 2 },
        { stream: 'stdout', text: '', ts: 2 },
        { stream: 'stderr', text: 'three', ts: 3 },
      ],
    });
    expect(batch.entries).toBe(0);
    expect(JSON.parse(batch.take(5).toString('utf8'))).toEqual({ seq: 5, entries: [] });
  });
});
