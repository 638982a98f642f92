/**
 * Parsing with the rules of GitHub's runner (src/Runner.Common/ActionCommand.cs), checked against
 * the escaping of @actions/core (packages/core/src/command.ts), which actions use to write them.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  looksLikeCommand,
  parseAnyCommand,
  parseCommand,
  parseErdaMeta,
  parseLegacyCommand,
  unescapeData,
  unescapeLegacy,
  unescapeProperty,
} from '../src/workflow-command.js';

/** @actions/core's own command writer: what real actions print. */
const { issueCommand } = createRequire(import.meta.url)('@actions/core/lib/command.js') as {
  issueCommand(command: string, properties: Record<string, unknown>, message: unknown): void;
};

function printedByCore(command: string, properties: Record<string, unknown>, message: unknown): string {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    issueCommand(command, properties, message);
  } finally {
    process.stdout.write = write;
  }
  return out.replace(/\n$/, '');
}

describe('the :: form', () => {
  it('parses name, properties and data', () => {
    expect(parseCommand('  ::error file=a.ts,line=3,col=4::it broke')).toEqual({
      name: 'error',
      props: { file: 'a.ts', line: '3', col: '4' },
      data: 'it broke',
      rawData: 'it broke',
    });
    expect(parseCommand('::set-output name=x::a::b')).toMatchObject({ props: { name: 'x' }, data: 'a::b' });
    expect(parseCommand('::endgroup::')).toMatchObject({ name: 'endgroup', props: {}, data: '' });
  });

  it('takes any case in names and property keys, as the runner compares them without case', () => {
    expect(parseCommand('::SET-Output NAME=x::v')).toMatchObject({ name: 'set-output', props: { name: 'x' } });
    expect(parseCommand('::warning endLine=4,endColumn=9::m')!.props).toEqual({ endline: '4', endcolumn: '9' });
  });

  it('only knows the commands the runner registers', () => {
    for (const line of ['::foo::bar', '::set-outputs name=a::b', '::::x', ':: error::x', '::error', 'echo ::error::x'])
      expect(parseCommand(line), line).toBeUndefined();
    expect(parseCommand('::pause-1234::', 'PAUSE-1234')).toMatchObject({ name: 'pause-1234' });
  });

  it('splits properties as the runner does: trimmed list, empty pairs dropped, keys kept as written', () => {
    expect(parseCommand('::error  file=a ,line=3, col=4 ::m')!.props).toEqual({ file: 'a ', line: '3', ' col': '4' });
    expect(parseCommand('::error a=,=b,c,d==e,f=g=h,==i=j::m')!.props).toEqual({ d: 'e', f: 'g=h', i: 'j' });
  });

  it("undoes @actions/core's escaping of data and properties exactly", () => {
    const nasty = 'a%b\r\nc:d,e%0Af %25 ::g';
    const line = printedByCore('warning', { title: nasty, file: 'x,y:z.ts' }, nasty);
    expect(parseCommand(line)).toMatchObject({ props: { title: nasty, file: 'x,y:z.ts' }, data: nasty });
    expect(parseCommand(printedByCore('set-output', { name: 'out' }, { json: [1, ':'] }))!.data).toBe(
      '{"json":[1,":"]}',
    );
  });

  it('unescapes data %0D %0A %25 and properties also %3A %2C, upper case only, in one pass', () => {
    expect(unescapeData('a%0Ab%25%0D%3A%2C%0a')).toBe('a\nb%\r%3A%2C%0a');
    expect(unescapeProperty('a%0Ab%25%0D%3A%2C%3a')).toBe('a\nb%\r:,%3a');
    expect(unescapeData('%250A')).toBe('%0A');
    expect(unescapeProperty('%253A')).toBe('%3A');
  });
});

describe('the legacy ##[ form', () => {
  it('is found anywhere in the line, with ; between properties', () => {
    expect(parseLegacyCommand('build says ##[warning file=a.c;line=3]careful]')).toEqual({
      name: 'warning',
      props: { file: 'a.c', line: '3' },
      data: 'careful]',
      rawData: 'careful]',
    });
    expect(parseLegacyCommand('##[section]Starting')).toBeUndefined();
    expect(parseLegacyCommand('##[error')).toBeUndefined();
  });

  it('unescapes %3B %0D %0A %5D %25 in properties and data alike', () => {
    expect(unescapeLegacy('%3B%0D%0A%5D%25%3A%2C%5d')).toBe(';\r\n]%%3A%2C%5d');
    expect(parseLegacyCommand('##[set-output name=a%3Bb]x%5Dy%0Az')).toMatchObject({
      props: { name: 'a;b' },
      data: 'x]y\nz',
    });
  });

  it('comes second: a line that is a :: command is taken as one', () => {
    expect(parseAnyCommand('::error::see ##[warning]x')).toMatchObject({ name: 'error', data: 'see ##[warning]x' });
    expect(parseAnyCommand('see ##[warning]x')).toMatchObject({ name: 'warning', data: 'x' });
  });
});

describe("Erda's lines and long lines", () => {
  it("parses Erda's action meta lines", () => {
    expect(parseErdaMeta('action meta: image=repo/app:1.2=x')).toEqual({ name: 'image', value: 'repo/app:1.2=x' });
    expect(parseErdaMeta('action meta: nothing')).toBeUndefined();
    expect(parseErdaMeta('xaction meta: a=b')).toBeUndefined();
  });

  it('recognises the start of an over-long command line', () => {
    expect(looksLikeCommand('::add-mask::xxxx')).toBe('add-mask');
    expect(looksLikeCommand('x ##[ADD-MASK]xxxx')).toBe('add-mask');
    expect(looksLikeCommand('action meta: a=')).toBe('action meta');
    expect(looksLikeCommand('hello')).toBeUndefined();
  });
});
