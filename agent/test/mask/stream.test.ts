/** The byte stream: splits anywhere, run-time secrets, bounded hold-back, misuse. */
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/mask/index.js';
import type { MaskStream } from '../../src/mask/mask-stream.js';
import { referenceMask } from './reference-mask.js';

function run(stream: { push(c: Buffer): Buffer; end(): Buffer }, chunks: Buffer[]): string {
  return Buffer.concat([...chunks.map((c) => stream.push(c)), stream.end()]).toString('utf8');
}

describe('a secret split across writes', () => {
  const secret = 'pässwörd-日本-😀-key';
  const input = Buffer.from(`before ${secret} after\n`);

  it('never leaks when split at any single byte, inside multi-byte characters too', () => {
    for (let cut = 0; cut <= input.length; cut++) {
      const out = run(createMasker([secret]).stream(), [input.subarray(0, cut), input.subarray(cut)]);
      expect(out, `cut at byte ${cut}`).toBe('before *** after\n');
    }
  });

  it('never leaks when written one byte at a time', () => {
    const chunks = [...input].map((b) => Buffer.from([b]));
    expect(run(createMasker([secret]).stream(), chunks)).toBe('before *** after\n');
  });

  it('keeps split multi-byte characters of ordinary text intact', () => {
    const text = Buffer.from('日本語のログ 😀 ünïcödé\n'.repeat(3));
    const chunks = [...text].map((b) => Buffer.from([b]));
    expect(run(createMasker([secret]).stream(), chunks)).toBe(text.toString());
  });

  it('masks a multi-line secret written line by line', () => {
    const pem = 'BEGIN-KEY\nMIIEvQIBADANBgkq\nEND-KEY';
    const lines = `key:\n${pem}\n`.split(/(?<=\n)/).map((l) => Buffer.from(l));
    expect(run(createMasker([pem]).stream(), lines)).toBe('key:\n***\n');
  });
});

describe('secrets added at run time', () => {
  it('masks bytes still held back when the secret is added', () => {
    const masker = createMasker(['token-100-existing']);
    const stream = masker.stream();
    const first = stream.push(Buffer.from('x token-1'));
    expect(first.toString()).toBe('x ');
    masker.add('token-1');
    expect(first.toString() + stream.end().toString()).toBe('x ***');
  });

  it('masks an occurrence that straddles the add() when its start is still held', () => {
    const masker = createMasker(['token-100-existing']);
    const stream = masker.stream();
    const head = stream.push(Buffer.from('go token-'));
    masker.add('token-12');
    expect(head.toString() + run(stream, [Buffer.from('12 now')])).toBe('go *** now');
  });

  it('applies to every existing stream, new streams and strings', () => {
    const masker = createMasker([]);
    const a = masker.stream();
    const outA = a.push(Buffer.from('one '));
    masker.add('late-secret');
    const b = masker.stream();
    expect(outA.toString() + run(a, [Buffer.from('late-secret\n')])).toBe('one ***\n');
    expect(run(b, [Buffer.from('late-'), Buffer.from('secret')])).toBe('***');
    expect(masker.maskString('is late-secret')).toBe('is ***');
    expect(masker.replacements).toBe(3);
  });

  it('adding a known secret again changes nothing', () => {
    const masker = createMasker(['repeat-me']);
    masker.add('repeat-me');
    masker.add('');
    expect(masker.maskString('repeat-me')).toBe('***');
  });
});

describe('holding back only what could start a secret', () => {
  it('emits a finished line at once instead of waiting for more output', () => {
    const stream = createMasker(['a-long-secret-value-0123456789']).stream();
    expect(stream.push(Buffer.from('waiting for the deployment...\n')).toString()).toBe(
      'waiting for the deployment...\n',
    );
  });

  it('holds back a tail that could be the start of a secret, and only that', () => {
    const stream = createMasker(['a-long-secret-value-0123456789']).stream() as MaskStream;
    expect(stream.push(Buffer.from('value: a-long-sec')).toString()).toBe('value: ');
    expect(stream.heldBytes).toBe('a-long-sec'.length);
    expect(stream.push(Buffer.from('ond thing\n')).toString()).toBe('a-long-second thing\n');
  });

  it('sees the word byte before a short secret that starts a new chunk', () => {
    for (const tail of [' z', ` ${'z'.repeat(1000)}`]) {
      const stream = createMasker(['ab']).stream();
      expect(run(stream, [Buffer.from('x'), Buffer.from(`ab${tail}`)])).toBe(`xab${tail}`);
      const other = createMasker(['ab']).stream();
      expect(run(other, [Buffer.from('x '), Buffer.from(`ab${tail}`)])).toBe(`x ***${tail}`);
    }
  });

  it('holds back a whole short secret until the next byte shows whether it is a word', () => {
    const stream = createMasker(['ab']).stream();
    expect(stream.push(Buffer.from('x ab')).toString()).toBe('x ');
    expect(stream.push(Buffer.from('c ab')).toString()).toBe('abc ');
    expect(stream.push(Buffer.from('\n')).toString()).toBe('***\n');
  });
});

describe('memory stays bounded on a line without newline', () => {
  it('holds back at most (longest pattern span - 1) bytes', () => {
    const secrets = ['short-secret', 'a-much-longer-secret-value-with-more-bytes-in-it'];
    const masker = createMasker(secrets);
    const stream = masker.stream() as MaskStream;
    // Every chunk ends with all but the last byte of a secret: the worst tail to decide.
    const almost = (secrets[1] as string).slice(0, -1);
    const chunk = Buffer.from(almost.repeat(Math.ceil((1 << 20) / almost.length)));
    let mostHeld = 0;
    // The longest pattern is the hex form of the longer secret.
    const bound = Buffer.from(secrets[1] as string).toString('hex').length;
    let pushed = 0;
    let emitted = 0;
    for (let i = 0; i < 64; i++) {
      emitted += stream.push(chunk).length;
      pushed += chunk.length;
      expect(stream.heldBytes).toBeLessThan(bound);
      expect(pushed - emitted).toBe(stream.heldBytes);
      mostHeld = Math.max(mostHeld, stream.heldBytes);
    }
    expect(mostHeld).toBe(almost.length);
    for (let i = 0; i < 5000; i++) {
      emitted += stream.push(Buffer.from('b')).length;
      pushed++;
      expect(stream.heldBytes).toBeLessThan(bound);
    }
    emitted += stream.end().length;
    expect(emitted).toBe(pushed);
  });

  it('masks secrets scattered in a long line pushed in pipe-sized chunks', () => {
    const secrets = ['needle-one-xyz', 'second/needle+here'];
    const parts: string[] = [];
    for (let i = 0; i < 2000; i++)
      parts.push(
        'filler text '.repeat(i % 50),
        secrets[i % 2] as string,
        Buffer.from(`${i}${secrets[0]}`).toString('base64'),
      );
    const input = Buffer.from(parts.join(''));
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; at += 65536) chunks.push(input.subarray(at, at + 65536));
    const out = Buffer.from(run(createMasker(secrets).stream(), chunks));
    expect(out.equals(referenceMask(input, secrets))).toBe(true);
    expect(out.includes('needle')).toBe(false);
  });
});

describe('misuse', () => {
  it('refuses push() after end() and non-Buffer chunks with a clear error', () => {
    const stream = createMasker(['abcd']).stream();
    expect(() => stream.push('text' as unknown as Buffer)).toThrow(/push\(\) takes a Buffer/);
    stream.end();
    expect(() => stream.push(Buffer.from('x'))).toThrow(/push\(\) after end\(\)/);
    expect(stream.end().length).toBe(0);
  });

  it('passes text through untouched when there are no secrets', () => {
    const masker = createMasker([]);
    expect(run(masker.stream(), [Buffer.from('plain '), Buffer.from('text')])).toBe('plain text');
    expect(masker.maskString('plain')).toBe('plain');
  });

  it("never writes into the caller's chunk, large or small", () => {
    for (const size of [10, 100_000]) {
      const stream = createMasker(['abcd-secret']).stream();
      const chunk = Buffer.from(`x abcd-secret y ${'z'.repeat(size)} abcd-secret`);
      const copy = Buffer.from(chunk);
      const out = Buffer.concat([stream.push(chunk), stream.end()]).toString();
      expect(chunk.equals(copy)).toBe(true);
      expect(out).toBe(`x *** y ${'z'.repeat(size)} ***`);
    }
  });

  it('hands back a large chunk without copying when nothing in it is masked or held', () => {
    const stream = createMasker(['abcd-secret']).stream();
    const chunk = Buffer.from(`${'plain log line\n'.repeat(1000)}`);
    expect(stream.push(chunk).buffer).toBe(chunk.buffer);
  });
});
