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

describe('LogBatchBuilder memory', () => {
  it('grows past its capacity and keeps every entry, in order', () => {
    const batch = new LogBatchBuilder(16);
    const texts = Array.from({ length: 50 }, (_, i) => `line ${i} "é😀"`);
    for (const text of texts) batch.addLines('stdout', text, 1);
    expect(JSON.parse(batch.take(Number.MAX_SAFE_INTEGER).toString('utf8'))).toEqual({
      seq: Number.MAX_SAFE_INTEGER,
      entries: texts.map((text) => ({ stream: 'stdout', text, ts: 1 })),
    });
  });

  it('writes a later batch into the memory of one already sent (recycle), and its body is whole', () => {
    const batch = new LogBatchBuilder(64 * 1024);
    batch.addLines('stdout', 'first\nbatch', 1);
    const sent = batch.take(1);
    const first = sent.toString('utf8');
    batch.recycle(sent);
    batch.recycle(Buffer.from('not from this builder'));
    batch.addLines('stdout', 'second', 2);
    batch.take(2); // the memory allocated after the first batch; the next one is the recycled one
    batch.addLines('stderr', 'third', 3);
    const third = batch.take(3);
    expect(third.buffer).toBe(sent.buffer);
    expect(JSON.parse(third.toString('utf8'))).toEqual({
      seq: 3,
      entries: [{ stream: 'stderr', text: 'third', ts: 3 }],
    });
    expect(JSON.parse(first).entries).toHaveLength(2);
  });
});
