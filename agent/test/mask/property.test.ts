/**
 * Property tests: thousands of random streams mixing text with secrets and their encodings,
 * cut into random chunks. Nothing of a secret may survive, and every other byte must.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/mask/index.js';
import type { MaskStream } from '../../src/mask/mask-stream.js';
import { SecretMasker } from '../../src/mask/masker.js';
import { referenceMask, uncoveredBytes } from './reference-mask.js';

const chars = fc.constantFrom(...'abcdefxyzABCXYZ0123456789 _-.:/=+%"\'\\$`!?&<>{}[]\té日€😀\n\r'.split(/(?:)/u));
const text = (maxLength: number) => fc.array(chars, { maxLength }).map((a) => a.join(''));
const secretOf = (minLength: number) =>
  fc.array(chars, { minLength, maxLength: minLength + 24 }).map((a) => a.join(''));

type Piece = { kind: 'text'; value: string } | { kind: 'secret'; index: number; form: number; pad: string };

const FORMS = 8;
function render(secret: string, form: number, pad: string): string {
  const bytes = Buffer.from(secret);
  const padBytes = Buffer.from(pad);
  switch (form) {
    case 0:
      return secret;
    case 1:
      return Buffer.concat([padBytes.subarray(0, 2), bytes, padBytes]).toString('base64');
    case 2:
      return Buffer.concat([padBytes.subarray(0, 1), bytes, padBytes]).toString('base64url');
    case 3:
      return encodeURIComponent(secret);
    case 4:
      return JSON.stringify(secret).slice(1, -1);
    case 5:
      return `'${secret.replace(/'/g, `'\\''`)}'`;
    case 6:
      return `"${secret.replace(/[\\"$`]/g, '\\$&')}"`;
    default:
      return secret.replace(/\r?\n/g, '\r\n');
  }
}

/** Short secrets exercise the whole-word rule and small windows; long ones the wide skips. */
const scenario = fc
  .record({
    secrets: fc.oneof(
      fc.array(secretOf(1), { minLength: 1, maxLength: 4 }),
      fc.array(secretOf(12), { minLength: 1, maxLength: 4 }),
    ),
    pieces: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('text' as const), value: text(40) }),
        fc.record({
          kind: fc.constant('secret' as const),
          index: fc.nat(),
          form: fc.nat(FORMS - 1),
          pad: text(6),
        }),
      ),
      { maxLength: 12 },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 20 }),
  })
  .map(({ secrets, pieces, cuts }) => {
    const input = Buffer.from(
      (pieces as Piece[])
        .map((p) => (p.kind === 'text' ? p.value : render(secrets[p.index % secrets.length] as string, p.form, p.pad)))
        .join(''),
    );
    const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const point of [...points, input.length]) {
      chunks.push(input.subarray(from, point));
      from = point;
    }
    return { secrets, input, chunks };
  });

function maskInChunks(secrets: string[], chunks: Buffer[]): Buffer {
  const stream = createMasker(secrets).stream();
  return Buffer.concat([...chunks.map((c) => stream.push(c)), stream.end()]);
}

/** Decodes every base64 run of the output at all four alignments, both alphabets. */
function base64Decodings(output: string): Buffer[] {
  const runs =
    output
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .match(/[A-Za-z0-9+/]{4,}/g) ?? [];
  return runs.flatMap((run) =>
    [0, 1, 2, 3].map((k) => {
      const body = run.slice(k);
      return Buffer.from(body.slice(0, body.length - (body.length % 4)), 'base64');
    }),
  );
}

function leaks(secrets: string[], output: Buffer): string[] {
  const text = output.toString('utf8');
  const found: string[] = [];
  const decoded = base64Decodings(output.toString('latin1'));
  for (const secret of secrets) {
    const bytes = Buffer.from(secret);
    // short secrets, and numbers of 4 or 5 digits, are masked as whole words only (docs/masking.md)
    if (secret.trim() === '' || bytes.length < 4 || /^[0-9]{4,5}$/.test(secret)) continue;
    const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
    for (const form of forms) if (Buffer.byteLength(form) >= 4 && text.includes(form)) found.push(form);
    if (decoded.some((d) => d.includes(bytes))) found.push(`base64 of ${JSON.stringify(secret)}`);
    for (const line of secret.split(/\r?\n|\r/)) {
      if (Buffer.byteLength(line.trim()) >= 8 && text.includes(line.trim())) found.push(line.trim());
    }
  }
  return found;
}

describe('masker properties over random streams and splits', () => {
  it('output equals single-pass masking of the whole input, however it is split', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, input, chunks }) => {
        const streamed = maskInChunks(secrets, chunks);
        expect(streamed.toString('latin1')).toBe(referenceMask(input, secrets).toString('latin1'));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaks nothing: no secret, no URL/JSON form, no base64 at any alignment', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, chunks }) => {
        expect(leaks(secrets, maskInChunks(secrets, chunks))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every byte that is not part of a match, in order', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, input, chunks }) => {
        const streamed = maskInChunks(secrets, chunks).toString('latin1');
        expect(streamed.replaceAll('***', '')).toBe(uncoveredBytes(input, secrets).toString('latin1'));
      }),
      { numRuns: 1500 },
    );
  });

  it('never holds back more than the longest span - 1 bytes', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, chunks }) => {
        const masker = new SecretMasker(secrets);
        const stream = masker.stream() as MaskStream;
        for (const chunk of chunks) {
          stream.push(chunk);
          expect(stream.heldBytes).toBeLessThanOrEqual(masker.matcher.maxSpan - 1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('counts one replacement per *** emitted', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, chunks }) => {
        const masker = createMasker(secrets);
        const stream = masker.stream();
        const out = Buffer.concat([...chunks.map((c) => stream.push(c)), stream.end()]).toString('latin1');
        expect(masker.replacements).toBe(out.split('***').length - 1);
      }),
      { numRuns: 500 },
    );
  });

  it('maskString agrees with the stream on the same text', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, input, chunks }) => {
        const text = input.toString('utf8');
        if (Buffer.from(text).compare(input) !== 0) return;
        expect(createMasker(secrets).maskString(text)).toBe(maskInChunks(secrets, chunks).toString('utf8'));
      }),
      { numRuns: 500 },
    );
  });
});
