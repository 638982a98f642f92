import { describe, expect, it } from 'vitest';
import {
  looksLikeCommand,
  parseErdaMeta,
  parseWorkflowCommand,
  unescapeAll,
  unescapeData,
} from '../src/workflow-command.js';

describe('workflow commands', () => {
  it('parses name, properties and data', () => {
    expect(parseWorkflowCommand('  ::error file=a.ts,line=3,col=4::it broke')).toEqual({
      name: 'error',
      props: { file: 'a.ts', line: '3', col: '4' },
      data: 'it broke',
    });
    expect(parseWorkflowCommand('::set-output name=x::a::b')).toEqual({
      name: 'set-output',
      props: { name: 'x' },
      data: 'a::b',
    });
    expect(parseWorkflowCommand('::endgroup::')).toEqual({ name: 'endgroup', props: {}, data: '' });
  });

  it('unescapes properties with %3A and %2C', () => {
    expect(parseWorkflowCommand('::warning file=a%2Cb%3Ac.ts::m')?.props.file).toBe('a,b:c.ts');
  });

  it('is not fooled by lines that only look similar', () => {
    for (const line of ['echo ::error::x', ':: error::x', '::error', '::1bad::x', '', 'plain text'])
      expect(parseWorkflowCommand(line)).toBeUndefined();
  });

  it('unescapes in a single pass, so an escaped percent stays literal', () => {
    expect(unescapeAll('a%0Ab%25%0D%3A%2C')).toBe('a\nb%\r:,');
    expect(unescapeAll('%250A')).toBe('%0A');
    expect(unescapeData('%3A%0a')).toBe('%3A\n');
  });

  it("parses Erda's action meta lines", () => {
    expect(parseErdaMeta('action meta: image=repo/app:1.2=x')).toEqual({ name: 'image', value: 'repo/app:1.2=x' });
    expect(parseErdaMeta('action meta: nothing')).toBeUndefined();
    expect(parseErdaMeta('xaction meta: a=b')).toBeUndefined();
  });

  it('recognises the start of an over-long command line', () => {
    expect(looksLikeCommand('::add-mask::xxxx')).toBe('add-mask');
    expect(looksLikeCommand('action meta: a=')).toBe('action meta');
    expect(looksLikeCommand('hello')).toBeUndefined();
  });
});
