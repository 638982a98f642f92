/** Overlaps, nesting, the short-secret rule, multi-line secrets and bad secrets. */
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/mask/index.js';

describe('overlapping and nested secrets', () => {
  it('merges overlapping matches into one ***', () => {
    expect(createMasker(['abcdef', 'defghi']).maskString('x abcdefghi y')).toBe('x *** y');
  });

  it('lets the longest match win over a secret it contains', () => {
    const m = createMasker(['password', 'password123']);
    expect(m.maskString('pw=password123!')).toBe('pw=***!');
    expect(m.maskString('pw=password!')).toBe('pw=***!');
  });

  it('masks a secret nested inside another and on its own', () => {
    expect(createMasker(['secret', 'mysecretvalue']).maskString('mysecretvalue and secret')).toBe('*** and ***');
  });

  it('joins back-to-back occurrences into one ***', () => {
    const m = createMasker(['abcd']);
    expect(m.maskString('abcdabcd-abcd')).toBe('***-***');
    expect(m.replacements).toBe(2);
  });
});

describe('the minimum length rule', () => {
  it('masks secrets of 4 bytes or more anywhere, even inside words', () => {
    expect(createMasker(['abcd']).maskString('xxabcdxx')).toBe('xx***xx');
  });

  it('masks a secret under 4 bytes only as a whole word', () => {
    const m = createMasker(['ab']);
    expect(m.maskString('ab')).toBe('***');
    expect(m.maskString('x ab. (ab) "ab",ab')).toBe('x ***. (***) "***",***');
    expect(m.maskString('cab abc ab_x x_ab ab1 éab')).toBe('cab abc ab_x x_ab ab1 éab');
  });

  it('masks a short secret made of punctuation only between non-word bytes', () => {
    const m = createMasker(['!?']);
    expect(m.maskString('a !? b')).toBe('a *** b');
    expect(m.maskString('a!?b')).toBe('a!?b');
  });

  it('does not mask encodings of a short secret', () => {
    expect(createMasker(['ab']).maskString('YWI= YWI')).toBe('YWI= YWI');
  });

  it('ignores empty and whitespace-only secrets', () => {
    const m = createMasker(['', '   ', '\n\t']);
    expect(m.maskString('   text \n\t with spaces  ')).toBe('   text \n\t with spaces  ');
    expect(m.replacements).toBe(0);
  });

  it('also masks the trimmed value of a secret with surrounding whitespace', () => {
    expect(createMasker(['tok3n-value\n']).maskString('token: tok3n-value.')).toBe('token: ***.');
  });
});

describe('multi-line secrets', () => {
  const pem = [
    '-----BEGIN KEY-----',
    'MIIEvQIBADANBgkqhkiG9w0BAQ',
    'short',
    'aGVsbG8gd29ybGQgaGVsbG8',
    '-----END KEY-----',
  ].join('\n');

  it('masks the whole secret as one ***', () => {
    expect(createMasker([pem]).maskString(`key:\n${pem}\ndone`)).toBe('key:\n***\ndone');
  });

  it('masks the CRLF form of a LF secret and the other way round', () => {
    expect(createMasker([pem]).maskString(`[${pem.replace(/\n/g, '\r\n')}]`)).toBe('[***]');
    expect(createMasker([pem.replace(/\n/g, '\r\n')]).maskString(`[${pem}]`)).toBe('[***]');
  });

  it('masks each line of 8 bytes or more on its own, trimmed', () => {
    const out = createMasker([pem]).maskString('line   MIIEvQIBADANBgkqhkiG9w0BAQ  \nother aGVsbG8gd29ybGQgaGVsbG8');
    expect(out).toBe('line   ***  \nother ***');
  });

  it('does not register a line shorter than 8 bytes on its own', () => {
    expect(createMasker([pem]).maskString('a short word')).toBe('a short word');
  });

  it('masks the JSON-escaped form of a multi-line secret', () => {
    expect(createMasker([pem]).maskString(JSON.stringify({ key: pem }))).toBe('{"key":"***"}');
  });
});

describe('bad secrets', () => {
  it('refuses a secret that is not a string, without echoing it', () => {
    expect(() => createMasker(['ok-value', 42 as unknown as string])).toThrow(
      /secret #2 is a number, expected a string/,
    );
  });

  it('masks a secret over the size limit line by line', () => {
    const big = ['first-line-of-big-secret', 'x'.repeat(50), 'last-line-of-big-secret'].join('\n');
    const m = createMasker([big], { maxSecretBytes: 60 });
    expect(m.maskString('a first-line-of-big-secret b last-line-of-big-secret')).toBe('a *** b ***');
  });

  it('refuses a secret whose single line is over the limit, naming the limit but not the value', () => {
    const huge = 'S3CR3T'.repeat(20);
    let message = '';
    try {
      createMasker([huge], { maxSecretBytes: 64 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /secret #1 has a line of 120 bytes, over the limit of 64 bytes; shorten it or raise maxSecretBytes/,
    );
    expect(message).not.toContain('S3CR3T');
  });
});

describe('maskString', () => {
  it('returns text without secrets exactly as given, lone surrogates included', () => {
    const text = 'odd \ud800 text';
    expect(createMasker(['abcd-secret']).maskString(text)).toBe(text);
  });

  it('masks agent messages, outputs and error texts the same way as streams', () => {
    const m = createMasker(['abcd-secret']);
    expect(m.maskString('error: login with abcd-secret failed')).toBe('error: login with *** failed');
    expect(m.replacements).toBe(1);
  });
});
