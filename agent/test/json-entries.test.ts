import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryFrame, lineCount, writeEntries } from '../src/json-entries.js';
import { LogBatchBuilder, entriesJson } from '../src/log-batch.js';

// every control character, CR and CRLF, JSON's specials, multi-byte characters and U+2028
const chars = fc.constantFrom(
  ...'ab \t"\\/\r\b\f\u0000\u0001\u001b\u001f\u007fé€😀\u2028\n'.split(/(?:)/u),
  '\r\n',
  '\r\r\n',
);
const block = fc.array(chars, { maxLength: 40 }).map((a) => a.join(''));
const streams = fc.constantFrom('stdout', 'stderr') as fc.Arbitrary<'stdout' | 'stderr'>;

/** What the text path makes of the same block: decoded, CRLF read as LF, then entriesJson. */
const viaText = (text: string, stream: 'stdout' | 'stderr', ts: number) =>
  entriesJson(stream, text.replace(/\r\n/g, '\n'), ts);

function bytesJson(text: string, stream: string, ts: number): string {
  const bytes = Buffer.from(text);
  const frame = new EntryFrame(stream, ts);
  const out = Buffer.alloc(3 + frame.worstCase(bytes.length, lineCount(bytes)));
  const end = writeEntries(bytes, frame, out, 3);
  return out.toString('utf8', 3, end);
}

describe('log entries written from bytes', () => {
  it('are byte for byte the entries of the decoded lines, within the worst-case room (property)', () => {
    fc.assert(
      fc.property(block, streams, fc.nat(), (text, stream, ts) => {
        expect(bytesJson(text, stream, ts)).toBe(viaText(text, stream, ts));
      }),
      { numRuns: 2000 },
    );
  });

  it('parse back to one entry per line, escapes and all', () => {
    const json = bytesJson('say "hi"\r\n\u001b[31mred\\x\ttab\r\n\nlast\r', 'stdout', 5);
    expect(JSON.parse(`[${json}]`)).toEqual(
      ['say "hi"', '\u001b[31mred\\x\ttab', '', 'last\r'].map((text) => ({ stream: 'stdout', text, ts: 5 })),
    );
    expect(lineCount(Buffer.from('a\nb\n'))).toBe(3);
  });

  it('fill a batch as text lines would, and fall back to decoding a block that is not UTF-8', () => {
    const bytes = new LogBatchBuilder(16);
    const text = new LogBatchBuilder(16);
    const invalid = Buffer.from([0x61, 0xff, 0x0a, 0xe2, 0x82, 0x0d, 0x0a, 0x62]);
    for (const b of [Buffer.from('one\r\ntwo "2"'), invalid, Buffer.from('😀'.repeat(50))]) {
      bytes.addLineBytes('stdout', b, 1);
      text.addLines('stdout', b.toString('utf8').replace(/\r\n/g, '\n'), 1);
    }
    bytes.add({ stream: 'agent', text: 'done', ts: 2 });
    text.add({ stream: 'agent', text: 'done', ts: 2 });
    expect([bytes.entries, bytes.bytes]).toEqual([text.entries, text.bytes]);
    const body = bytes.take(1234567).toString('utf8');
    expect(body).toBe(text.take(1234567).toString('utf8'));
    expect(JSON.parse(body).entries[2]).toEqual({ stream: 'stdout', text: 'a\ufffd', ts: 1 });
    expect(JSON.parse(bytes.take(Number.MAX_SAFE_INTEGER).toString('utf8'))).toEqual({
      seq: Number.MAX_SAFE_INTEGER,
      entries: [],
    });
  });
});
