import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs } from '../src/cli-args.js';

describe('caravan-agent argv', () => {
  it('parses run with options and the command after --', () => {
    expect(parseArgs(['run', '--context', 'c.json', '--report=r.json', '--', 'sh', '-c', 'echo --x'])).toEqual({
      kind: 'run',
      contextFile: 'c.json',
      reportFile: 'r.json',
      command: 'sh',
      args: ['-c', 'echo --x'],
    });
    expect(parseArgs(['run', '--', 'true'])).toEqual({
      kind: 'run',
      contextFile: undefined,
      reportFile: undefined,
      command: 'true',
      args: [],
    });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['run', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /missing the subcommand/],
    [['start'], /unknown subcommand "start"/],
    [['run', 'true'], /put the command after "--"/],
    [['run', '--context'], /--context needs a file path/],
    [['run', '--context', '--', 'true'], /--context needs a file path/],
    [['run', '--verbose', '--', 'x'], /unknown option "--verbose"/],
    [['run', '--'], /missing the command after "--"/],
    [['run', '--report', 'r'], /missing "--" and the command/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
