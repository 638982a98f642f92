/** Each encoding of a secret is masked, and the text around it is kept. */
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/mask/index.js';

const secret = `p@ss w0rd/'"$x+é:~`;
const masker = () => createMasker([secret]);

describe('encodings of a secret', () => {
  const forms: Record<string, string> = {
    'literal value': secret,
    'base64 with padding': Buffer.from(secret).toString('base64'),
    'base64 without padding': Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    base64url: Buffer.from(secret).toString('base64url'),
    'hex, lower case': Buffer.from(secret).toString('hex'),
    'hex, upper case': Buffer.from(secret).toString('hex').toUpperCase(),
    encodeURIComponent: encodeURIComponent(secret),
    'form encoding (+ for spaces)': encodeURIComponent(secret).replace(/%20/g, '+'),
    URLSearchParams: new URLSearchParams({ q: secret }).toString().slice(2),
    'lower-case percent escapes': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    'JSON string escaping': JSON.stringify(secret).slice(1, -1),
    'JSON with \\u escapes for non-ASCII': JSON.stringify(secret).slice(1, -1).replace('é', '\\u00e9'),
    "single-quoted shell ('\\'')": `'${secret.replace(/'/g, `'\\''`)}'`,
    "single-quoted shell ('\"'\"')": `'${secret.replace(/'/g, `'"'"'`)}'`,
    'double-quoted shell': `"${secret.replace(/[\\"$`]/g, '\\$&')}"`,
    'backslash-escaped shell word': secret.replace(/[ !"#$&'()*;<>?[\\\]^`{|}~]/g, '\\$&'),
    'XML escaping': secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;'),
  };
  for (const [name, form] of Object.entries(forms)) {
    it(`masks the ${name}`, () => {
      const out = masker().maskString(`before[${form}]after`);
      expect(out).toMatch(/^before\[.{0,1}\*\*\*.{0,1}\]after$/);
      expect(out).not.toContain(form);
    });
  }

  for (const offset of [0, 1, 2]) {
    for (const alphabet of ['base64', 'base64url'] as const) {
      it(`masks a ${alphabet} secret at byte offset ${offset} inside a larger blob`, () => {
        const blob = Buffer.concat([
          Buffer.from('header:'.repeat(3).slice(0, 9 + offset)),
          Buffer.from(secret),
          Buffer.from('trailer bytes'),
        ]);
        const encoded = blob.toString(alphabet);
        const out = masker().maskString(`data=${encoded}\n`);
        expect(out).toContain('***');
        expect(out.startsWith(`data=${encoded.slice(0, 12)}`)).toBe(true);
        expect(out.endsWith(`${encoded.slice(-12)}\n`)).toBe(true);
        for (const part of out.split('***')) {
          const body = part.replace(/^data=/, '');
          for (let k = 0; k < 4; k++) {
            expect(Buffer.from(body.slice(k), alphabet).includes(Buffer.from(secret))).toBe(false);
          }
        }
      });
    }
  }

  it('does not mask base64 of a different value that shares a prefix', () => {
    const other = Buffer.from('p@ss w0rd/something else').toString('base64');
    expect(masker().maskString(other)).toBe(other);
  });
});

describe('a long secret encoded alone by a tool that wraps lines', () => {
  const key = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'.repeat(4)}\n-----END PRIVATE KEY-----\n`;
  const wrap = (text: string, width: number, nl: string) => text.match(new RegExp(`.{1,${width}}`, 'g'))!.join(nl);
  const cases = [
    ['GNU base64 (76 columns)', 76, '\n'],
    ['openssl base64 / PEM (64 columns)', 64, '\n'],
    ['MIME with CRLF (76 columns)', 76, '\r\n'],
  ] as const;
  for (const [name, width, nl] of cases) {
    it(`masks every line of ${name}`, () => {
      const wrapped = wrap(Buffer.from(key).toString('base64'), width, nl);
      const out = createMasker([key]).maskString(`encoded:\n${wrapped}\ndone\n`);
      for (const line of wrapped.split(nl)) expect(out).not.toContain(line);
      expect(out.startsWith('encoded:\n')).toBe(true);
      expect(out.endsWith('\ndone\n')).toBe(true);
    });
  }

  it('masks the lines of a listing cut short', () => {
    const lines = wrap(Buffer.from(key).toString('base64'), 76, '\n').split('\n');
    const out = createMasker([key]).maskString(`${lines.slice(0, 2).join('\n')}\n`);
    expect(out).toBe('***\n***\n');
  });
});
