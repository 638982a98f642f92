import { describe, expect, it } from 'vitest';
import { analyzeEnd, exitCodeOf } from '../src/error-analysis.js';

const enoent = (code: string) => Object.assign(new Error(code), { code });

describe('error analysis', () => {
  it('calls exit 0 a success with no errors', () => {
    const end = analyzeEnd({ command: 'x', exit: { code: 0, signal: null } });
    expect(end).toEqual({ status: 'success', exitCode: 0, signal: null, errors: [] });
    expect(exitCodeOf(end)).toBe(0);
  });

  it('reports a non-zero exit, and a signal as 128+n', () => {
    expect(analyzeEnd({ command: 'x', exit: { code: 2, signal: null } }).errors[0]).toEqual({
      kind: 'exit',
      message: 'the action exited with code 2',
    });
    const killed = analyzeEnd({ command: 'x', exit: { code: null, signal: 'SIGSEGV' } });
    expect(killed).toMatchObject({ status: 'failed', signal: 'SIGSEGV', errors: [{ kind: 'signal' }] });
    expect(exitCodeOf(killed)).toBe(139);
  });

  it('calls it OOM only when the cgroup counts a new oom_kill', () => {
    expect(
      analyzeEnd({ command: 'x', exit: { code: null, signal: 'SIGKILL' }, oomKillsBefore: 1, oomKillsAfter: 2 })
        .errors[0]!.kind,
    ).toBe('oom');
    expect(
      analyzeEnd({ command: 'x', exit: { code: 137, signal: null }, oomKillsBefore: 0, oomKillsAfter: 1 }).errors[0]!
        .kind,
    ).toBe('oom');
    const guess = analyzeEnd({ command: 'x', exit: { code: 137, signal: null } }).errors[0]!;
    expect(guess.kind).toBe('exit');
    expect(guess.message).toContain('possibly out of memory');
  });

  it('reports timeout and cancellation with their own status', () => {
    expect(
      analyzeEnd({ command: 'x', exit: { code: null, signal: 'SIGTERM' }, timedOut: { seconds: 3 } }),
    ).toMatchObject({ status: 'timeout', errors: [{ kind: 'timeout' }] });
    expect(analyzeEnd({ command: 'x', exit: { code: 143, signal: null }, cancelledBy: 'SIGINT' })).toMatchObject({
      status: 'cancelled',
      exitCode: 143,
    });
  });

  it('explains a command that cannot start, with a hint and the shell exit codes', () => {
    const missing = analyzeEnd({ command: 'nope', startError: enoent('ENOENT'), path: '/usr/bin' });
    expect(missing).toMatchObject({ status: 'error', exitCode: 127 });
    expect(missing.errors[0]!.message).toBe(
      'could not start the action: command not found: "nope"; install it in the image or fix PATH (/usr/bin)',
    );
    const denied = analyzeEnd({ command: './run.sh', startError: enoent('EACCES') });
    expect(denied.exitCode).toBe(126);
    expect(denied.errors[0]!.message).toContain('chmod +x');
    expect(analyzeEnd({ command: './gone', startError: enoent('ENOENT') }).errors[0]!.message).toContain(
      '"./gone" does not exist',
    );
  });

  it('names the variable over the 128 KiB limit when the system refuses to start the action (E2BIG)', () => {
    const end = analyzeEnd({ command: 'x', startError: enoent('E2BIG'), oversizedVariables: ['INPUT_DOC'] });
    expect(end.status).toBe('error');
    expect(end.errors[0]?.message).toMatch(/INPUT_DOC is over .*128 KiB.*through a file/);
    expect(analyzeEnd({ command: 'x', startError: enoent('E2BIG') }).errors[0]?.message).toMatch(
      /arguments and environment together/,
    );
  });
});
