/**
 * The stream pump's fast path (runs of plain lines masked as one piece) against its line-by-line
 * path: fed one byte at a time, every line goes through the splitter and the command parser, so
 * any chunking must give the same output, the same parsed lines and the same line count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandProcessor, type CommandEffects } from '../src/command-processor.js';
import { createMasker } from '../src/mask/index.js';
import { COMMAND_LINE_CAP, StreamPump } from '../src/stream-pump.js';

const SECRET = 'hunter2-Secret';

interface Outcome {
  out: string;
  parsed: string[];
  lines: number;
  effects: string[];
}

async function pump(input: Buffer, cuts: number[], secrets = [SECRET]): Promise<Outcome> {
  const masker = createMasker(secrets);
  const written: Buffer[] = [];
  const effects: string[] = [];
  const record =
    (kind: string) =>
    (...args: unknown[]) =>
      void effects.push(`${kind} ${JSON.stringify(args)}`);
  const commandEffects: CommandEffects = {
    addMask: (value) => {
      effects.push(`addMask ${value}`);
      masker.add(value);
    },
    setOutput: record('setOutput'),
    setEnv: record('setEnv'),
    addPath: record('addPath'),
    saveState: record('saveState'),
    annotate: record('annotate'),
    warn: record('warn'),
    outputError: record('outputError'),
    commandError: record('commandError'),
  };
  const commands = new CommandProcessor(commandEffects);
  const parsed: string[] = [];
  let plain = 0;
  const stream = new StreamPump(
    masker.stream(),
    { write: async (chunk) => void written.push(Buffer.from(chunk)) },
    {
      onLine: (text) => {
        parsed.push(text);
        return commands.handle(text);
      },
      onPlainLines: (count) => {
        plain += count;
        commands.skip(count);
      },
      onOverlongLine: (start) => commands.overlong(start),
    },
  );
  let pos = 0;
  for (const cut of cuts) {
    if (pos >= input.length) break;
    const end = Math.min(input.length, pos + Math.max(1, cut));
    await stream.push(input.subarray(pos, end));
    pos = end;
  }
  if (pos < input.length) await stream.push(input.subarray(pos));
  await stream.end();
  return { out: Buffer.concat(written).toString('utf8'), parsed, lines: plain + parsed.length, effects };
}

const count = (text: string, part: string) => text.split(part).length - 1;

const byteCuts = (input: Buffer) => Array.from({ length: input.length }, () => 1);

const lineOf = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9 .:=#[\]-]{0,30}$/) },
  { weight: 2, arbitrary: fc.constantFrom(`token ${SECRET} used`, `  ${SECRET}`, `x${SECRET.slice(0, 7)}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '::set-output name=a::1',
      '  ::add-mask::later-secret-1',
      'later-secret-1 shown after its mask',
      '::warning file=a.ts,line=3::careful',
      '##[group]legacy group',
      'text ##[endgroup]',
      '::group::g',
      '::endgroup::',
      'action meta: key=value',
      '\u00a0::notice::after a no-break space',
      '\t::debug::tabbed',
      'progress 10%\rprogress 100%',
      'colour \u001b[31mred\u001b[0m hunter2-\u001b[1mSecret',
      '::stop-commands::pause-token-77',
      '::set-output name=b::ignored while stopped',
      '::pause-token-77::',
      '',
    ),
  },
);

const logOf = fc
  .tuple(fc.array(lineOf, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, lastEol]) => Buffer.from(lines.join(eol) + (lastEol ? eol : '')));

const ADD_MASK = '::add-mask::later-secret-1';
const STOP = '::stop-commands::pause-token-77';
const RESUME = '::pause-token-77::';

/** Where the first ::add-mask:: line the processor acts on starts, or -1. */
function firstMaskThatRuns(text: string): number {
  for (let at = text.indexOf(ADD_MASK); at >= 0; at = text.indexOf(ADD_MASK, at + 1)) {
    const stop = text.lastIndexOf(STOP, at);
    const resume = stop < 0 ? -1 : text.indexOf(RESUME, stop);
    if (stop < 0 || (resume >= 0 && resume < at)) return at;
  }
  return -1;
}

describe('StreamPump', () => {
  it('gives the same output, parsed lines and effects over any chunking as line by line (property)', async () => {
    await fc.assert(
      fc.asyncProperty(logOf, fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 30 }), async (input, cuts) => {
        const reference = await pump(input, byteCuts(input));
        const chunked = await pump(input, cuts);
        expect(chunked.out).toBe(reference.out);
        expect(chunked.effects).toEqual(reference.effects);
        expect(chunked.lines).toBe(reference.lines);
        // every line the fast path skipped holds none of what the parser acts on
        for (const line of reference.parsed.filter((l) => !chunked.parsed.includes(l))) {
          expect(line).not.toMatch(/^\s*::|##\[|\r|^action meta: /);
          expect(line.includes('\u001b')).toBe(false);
        }
        expect(chunked.out).not.toContain(SECRET);
        // a value is masked from its first ::add-mask:: line that runs (not after ::stop-commands::
        // before its token comes back, as in the runner): only the lines before it may show it
        const text = input.toString();
        const masked = firstMaskThatRuns(text);
        const before = masked < 0 ? text : text.slice(0, masked);
        expect(count(chunked.out, 'later-secret-1 shown')).toBe(count(before, 'later-secret-1 shown'));
      }),
      { numRuns: 300 },
    );
  });

  it('masks a secret split across chunk boundaries inside a run of plain lines, at every cut', async () => {
    const input = Buffer.from(`first line\nthe key is ${SECRET} here\nlast line\n`);
    for (let cut = 1; cut < input.length; cut++) {
      const { out } = await pump(input, [cut, input.length]);
      expect(out).toBe('first line\nthe key is *** here\nlast line\n');
    }
  });

  it('counts plain lines so that command errors name the right line', async () => {
    const input = Buffer.from('one\ntwo\nthree\n::set-env name=A::b\n');
    const { effects, parsed } = await pump(input, [input.length]);
    expect(parsed).toEqual(['::set-env name=A::b']);
    expect(effects.join('\n')).toContain('stdout line 4');
  });

  it('streams a line longer than the parse cap in pieces and still masks it', async () => {
    const long = `${'a'.repeat(COMMAND_LINE_CAP)} ${SECRET} end\n`;
    const input = Buffer.from(`before\n${long}::set-output name=x::1\nafter\n`);
    const { out, effects } = await pump(input, [input.length]);
    expect(out).toBe(`before\n${'a'.repeat(COMMAND_LINE_CAP)} *** end\nafter\n`);
    expect(effects).toEqual([`setOutput ["x","1","stdout line 3"]`]);
  });

  it('drops an over-long ::add-mask:: line whole, whichever chunk it starts in', async () => {
    const input = Buffer.from(`ok\n::add-mask::${'s'.repeat(COMMAND_LINE_CAP)}\nnext\n`);
    for (const cuts of [[input.length], [2, 5, 70_000, input.length], [3, input.length]]) {
      const { out, effects } = await pump(input, cuts);
      expect(out).toBe('ok\nnext\n');
      expect(effects[0]).toMatch(/^warn .*too long to parse/);
    }
  });
});
