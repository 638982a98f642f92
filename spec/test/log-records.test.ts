import { describe, expect, it } from 'vitest';
import { LogRecordsError, logRecordHead, logRecordsHead, parseLogRecords } from '../src/index.js';

const body = (...parts: (string | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
const record = (stream: 'stdout' | 'stderr' | 'agent', ts: number, bytes: string | Buffer) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return body(logRecordHead(stream, ts, b.length), b);
};

describe('log records', () => {
  it('gives one entry per line, each with its record’s stream and time', () => {
    const batch = parseLogRecords(
      body(logRecordsHead(7), record('stdout', 1000, 'one\ntwo\n'), record('stderr', 1001, 'oops\n')),
    );
    expect(batch).toEqual({
      seq: 7,
      entries: [
        { stream: 'stdout', text: 'one', ts: 1000 },
        { stream: 'stdout', text: 'two', ts: 1000 },
        { stream: 'stderr', text: 'oops', ts: 1001 },
      ],
    });
  });

  it('keeps empty lines, drops the CR of CRLF, and takes a last line without newline as a piece of its own', () => {
    const batch = parseLogRecords(
      body(logRecordsHead(1), record('stdout', 5, '\r\na\r\n\nb\rc\r\n'), record('stdout', 6, 'half')),
    );
    expect(batch.entries.map((e) => e.text)).toEqual(['', 'a', '', 'b\rc', 'half']);
  });

  it('decodes UTF-8 across the record and replaces invalid bytes, never splitting on a byte inside a character', () => {
    const text = Buffer.from('héllo ✓\n');
    const batch = parseLogRecords(
      body(logRecordsHead(1), record('stdout', 1, Buffer.concat([text, Buffer.from([0xff, 0x0a])]))),
    );
    expect(batch.entries.map((e) => e.text)).toEqual(['héllo ✓', '\ufffd']);
  });

  it('takes a body with no records, and a record of no bytes, as no entries', () => {
    expect(parseLogRecords(Buffer.from('seq 3\n'))).toEqual({ seq: 3, entries: [] });
    expect(parseLogRecords(body('seq 4\n', record('agent', 1, ''))).entries).toEqual([]);
  });

  it('refuses a body without a valid seq line, saying what it expected', () => {
    expect(() => parseLogRecords(Buffer.from('{"seq":1,"entries":[]}'))).toThrow(/no head line/);
    expect(() => parseLogRecords(Buffer.from('seq 0\n'))).toThrow(
      /must start with "seq <N>\\n", N a positive integer; got "seq 0"/,
    );
    expect(() => parseLogRecords(Buffer.from('seq -1\n'))).toThrow(LogRecordsError);
    expect(() => parseLogRecords(Buffer.from('seq 99999999999999999\n'))).toThrow(LogRecordsError);
  });

  it('refuses a malformed record head, naming the record and the byte where it starts', () => {
    expect(() => parseLogRecords(body('seq 1\n', record('stdout', 1, 'a\n'), 'syslog 1 2\nab'))).toThrow(
      /record 2 \(byte 19\): expected "<stdout\|stderr\|agent> <ts> <length>\\n", got "syslog 1 2"/,
    );
    expect(() => parseLogRecords(body('seq 1\n', 'stdout 1 -2\n'))).toThrow(/record 1 \(byte 6\)/);
    expect(() => parseLogRecords(body('seq 1\n', 'stdout 1 2'))).toThrow(/record 1 \(byte 6\): no head line/);
  });

  it('refuses a record longer than what follows, and a head line too long to be one', () => {
    expect(() => parseLogRecords(body('seq 1\n', 'stdout 1 100\n', 'short\n'))).toThrow(
      /record 1 \(byte 6\) says 100 bytes, but only 6 follow/,
    );
    expect(() => parseLogRecords(body('seq 1\n', `stdout 1 ${'9'.repeat(200)}\n`))).toThrow(/no head line/);
  });

  it('round-trips bytes that look like heads inside a record: lengths, not lines, delimit records', () => {
    const tricky = 'seq 9\nstdout 1 3\nxyz\n';
    const batch = parseLogRecords(body(logRecordsHead(2), record('stdout', 1, tricky)));
    expect(batch.entries.map((e) => e.text)).toEqual(['seq 9', 'stdout 1 3', 'xyz']);
  });

  it('writes heads only for the three streams', () => {
    expect(() => logRecordHead('syslog' as 'stdout', 1, 1)).toThrow(/"syslog" is not a log stream/);
    expect(logRecordHead('agent', 1.7, 3)).toBe('agent 1 3\n');
  });
});
