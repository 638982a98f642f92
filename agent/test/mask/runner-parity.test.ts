/**
 * What GitHub's runner masks, masked here too: each encoder it registers (HostContext.cs, from
 * src/Sdk/DTLogging/Logging/ValueEncoders.cs), written again below from that source as the runner
 * computes it; secrets split by terminal colour codes; short numbers as whole words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMasker } from '../../src/mask/index.js';

/** .NET Uri.EscapeDataString: every UTF-8 byte but the RFC 3986 unreserved ones, upper-case hex. */
function escapeDataString(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Newtonsoft's JsonConvert.ToString without its quotes (default escape handling). */
function newtonsoftString(value: string): string {
  const named: Record<string, string> = {
    '"': '\\"',
    '\\': '\\\\',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
  };
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    if (named[c]) out += named[c];
    else if (code < 0x20 || c === '\u0085' || c === '\u2028' || c === '\u2029')
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

function base64Shift(value: string, shift: number): string {
  const bytes = Buffer.from(value, 'utf8');
  return (bytes.length > shift ? bytes.subarray(shift) : bytes).toString('base64');
}

function powerShellPre(value: string): string {
  if (!value.includes('&')) return '';
  const section = value.includes('&+')
    ? value.slice(0, value.indexOf('&+') + 2)
    : value.slice(0, value.lastIndexOf('&') + 1);
  return section.length >= 6 ? section : '';
}

function powerShellPost(value: string): string {
  if (!value.includes('&')) return '';
  let section = '';
  if (value.includes('&+')) {
    if (value.length > value.indexOf('&+') + 3) section = value.slice(value.indexOf('&+') + 3);
  } else section = value.slice(value.lastIndexOf('&') + 1);
  return section.length >= 6 ? section : '';
}

const RUNNER_ENCODERS: Record<string, (value: string) => string> = {
  Base64StringEscape: (v) => Buffer.from(v, 'utf8').toString('base64'),
  Base64StringEscapeShift1: (v) => base64Shift(v, 1),
  Base64StringEscapeShift2: (v) => base64Shift(v, 2),
  CommandLineArgumentEscape: (v) => v.replaceAll('"', '\\"'),
  ExpressionStringEscape: (v) => v.replaceAll("'", "''"),
  JsonStringEscape: newtonsoftString,
  UriDataEscape: escapeDataString,
  XmlDataEscape: (v) =>
    v
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;'),
  TrimDoubleQuotes: (v) => (v.length > 8 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : ''),
  PowerShellPreAmpersandEscape: powerShellPre,
  PowerShellPostAmpersandEscape: powerShellPost,
};

const SECRETS = [
  `p@ss "w0rd" \\ back'slash & <more>`,
  '"quoted-secret-value"',
  'first-part&second-part&third-part',
  'alpha-part&+beta-part-value',
  'line\u2028sep\u0085nel é!*()~ end',
  'ctl\u0001\u001f\tchars "q"',
  'ab',
];

describe("every encoder GitHub's runner registers", () => {
  for (const [name, encode] of Object.entries(RUNNER_ENCODERS)) {
    it(`masks ${name}`, () => {
      let differs = false;
      for (const secret of SECRETS) {
        const encoded = encode(secret);
        // Caravan's rule: encodings of a secret under 4 bytes are not masked (they occur everywhere)
        if (encoded === '' || Buffer.byteLength(secret) < 4) continue;
        if (encoded !== secret) differs = true;
        expect(createMasker([secret]).maskString(`<${encoded}>`), `${name} of ${JSON.stringify(secret)}`).toBe('<***>');
      }
      // the table means something: each encoder changed at least one of the secrets
      expect(differs).toBe(true);
    });
  }

  it('masks the base64 of a `user:secret` header at each offset, as the shifted encoders are meant to', () => {
    const secret = 'sup3r-s3cret-t0ken';
    for (const user of ['u', 'us', 'use']) {
      const header = Buffer.from(`${user}:${secret}`).toString('base64');
      // only the few characters that mix the user's bits or the padding in stay
      expect(createMasker([secret]).maskString(header)).toMatch(/^[\w+/]{0,6}\*\*\*[\w+/=]{0,3}$/);
    }
  });
});

describe('a secret split by terminal colour codes', () => {
  const secret = 'hunter2-correct-horse';
  const red = '\u001b[01;31m\u001b[K';
  const reset = '\u001b[m\u001b[K';

  it('is masked on its visible text, keeping the codes so colours stay as they were', () => {
    // grep --color=always 'correct' highlights part of the secret
    const line = `password: hunter2-${red}correct${reset}-horse!\n`;
    const masker = createMasker([secret]);
    expect(masker.maskString(line)).toBe(`password: ***${red}${reset}!\n`);
    expect(masker.replacements).toBe(1);
  });

  it('is masked in a stream line as well', () => {
    const stream = createMasker([secret]).stream();
    const line = Buffer.from(`${red}hunter2${reset}-correct-horse\n`);
    expect(Buffer.concat([stream.pushLine(line), stream.end()]).toString()).toBe(`${red}***${reset}\n`);
  });

  it('keeps whole-word rules on the visible text: a short secret in colour is masked, inside a word it is not', () => {
    const masker = createMasker(['ab']);
    expect(masker.maskString('\u001b[31mab\u001b[0m and \u001b[31mab\u001b[0mc')).toBe(
      '\u001b[31m***\u001b[0m and \u001b[31mab\u001b[0mc',
    );
  });

  it('leaves lines without a secret, and a secret without codes, to the usual masking', () => {
    const masker = createMasker([secret]);
    expect(masker.maskString('\u001b[32mok\u001b[0m')).toBe('\u001b[32mok\u001b[0m');
    expect(masker.maskString(`\u001b[32m${secret}\u001b[0m ${secret}`)).toBe('\u001b[32m***\u001b[0m ***');
    expect(masker.replacements).toBe(2);
  });
});

describe('colour codes anywhere in a line, at random', () => {
  // eslint-disable-next-line no-control-regex -- terminal escape sequences are what this test is about
  const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
  const codes = fc.constantFrom('\u001b[31m', '\u001b[0m', '\u001b[01;31m\u001b[K', '\u001b[m\u001b[K', '\u001b[1;4m');
  const scenario = fc.record({
    secret: fc.stringMatching(/^[a-z0-9-]{6,20}$/),
    before: fc.stringMatching(/^[a-z .:]{0,12}$/),
    after: fc.stringMatching(/^[a-z .:]{0,12}$/),
    cuts: fc.array(fc.tuple(fc.nat(40), codes), { maxLength: 6 }),
  });

  it('never shows a secret, and keeps every code in order', () => {
    fc.assert(
      fc.property(scenario, ({ secret, before, after, cuts }) => {
        let line = `${before}${secret}${after}`;
        for (const [at, code] of cuts.sort((a, b) => b[0] - a[0])) {
          const i = Math.min(at, line.length);
          line = line.slice(0, i) + code + line.slice(i);
        }
        const stream = createMasker([secret]).stream();
        const out = Buffer.concat([stream.pushLine(Buffer.from(`${line}\n`)), stream.end()]).toString();
        expect(out.replace(CSI, '')).not.toContain(secret);
        expect(out.match(CSI) ?? []).toEqual(line.match(CSI) ?? []);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('a secret of 4 or 5 digits', () => {
  it('is masked as a whole word only, not inside longer numbers', () => {
    for (const pin of ['4821', '93017']) {
      const masker = createMasker([pin]);
      expect(masker.maskString(`pin ${pin}, "${pin}", x=${pin}.`)).toBe('pin ***, "***", x=***.');
      expect(masker.maskString(`id 1${pin}3, at 20${pin}, v${pin}, ${pin}_x`)).toBe(
        `id 1${pin}3, at 20${pin}, v${pin}, ${pin}_x`,
      );
      expect(masker.maskString(`b64 ${Buffer.from(pin).toString('base64')}`)).toBe('b64 ***');
    }
  });

  it('is masked anywhere from 6 digits on, and so is a 4-digit value with other characters', () => {
    expect(createMasker(['930171']).maskString('x99301711')).toBe('x9***1');
    expect(createMasker(['a482']).maskString('xa4821')).toBe('x***1');
  });
});
