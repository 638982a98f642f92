/** The one error mapping of every command (cli/src/lib/base-command.ts), in process. */
import { Errors } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import {
  IntegrityError,
  InvalidActionNameError,
  InvalidSettingError,
  RegistryClientError,
  RegistryHttpError,
  RegistryTimeoutError,
  RegistryUnreachableError,
} from '@caravan/registry';
import { EngineError } from '@caravan/engine';
import { ParamsError } from '@caravan/engine';
import { SecretsError } from '@caravan/engine';
import {
  errorKind,
  EXIT,
  FailedError,
  report,
  scrub,
  UnavailableError,
  UsageError,
  type ErrorKind,
} from '../src/lib/base-command.js';
import { engineErrorKind } from '../src/lib/engine-flags.js';
import { RegistryConfigError } from '../src/lib/registry-config.js';
import { ActionLoadError } from '../src/lib/author/load-action.js';
import { ParamError } from '../src/lib/author/params.js';
import { ActionTestError } from '../src/lib/author/run-tests.js';
import { ScaffoldError } from '../src/lib/scaffold/scaffold.js';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('errorKind', () => {
  const cases: Array<[string, unknown, ErrorKind]> = [
    ['a usage error', new UsageError('bad'), 'usage'],
    ['a failure', new FailedError('it failed'), 'failed'],
    ['an unavailable service', new UnavailableError('down'), 'unavailable'],
    ['an unknown flag (oclif)', new Errors.CLIError('Nonexistent flag: --nope'), 'usage'],
    ['no registry configured', new RegistryConfigError('no registry configured'), 'usage'],
    ['an invalid action name', new InvalidActionNameError('bad name'), 'usage'],
    ['a bad CARAVAN_REGISTRY_TIMEOUT', new InvalidSettingError('bad timeout'), 'usage'],
    ['an invalid action.yml', new ActionLoadError('not valid'), 'usage'],
    ['a bad --with', new ParamError('no input'), 'usage'],
    ['a folder without tests', new ActionTestError('no package.json'), 'usage'],
    ['a folder that is not empty', new ScaffoldError('not empty'), 'failed'],
    ['a registry that cannot be reached', new RegistryUnreachableError('http://r', 'ECONNREFUSED'), 'unavailable'],
    ['a registry that does not answer', new RegistryTimeoutError('http://r', 'GET /v1/x', 1000), 'unavailable'],
    ['a refused token (401)', new RegistryHttpError(401, 'bad-token', 'token not known'), 'unavailable'],
    ['a refused role (403)', new RegistryHttpError(403, 'forbidden', 'not an owner'), 'unavailable'],
    ['a failing registry (5xx)', new RegistryHttpError(503, 'http-503', 'unavailable'), 'unavailable'],
    ['an unknown version (404)', new RegistryHttpError(404, 'not-found', 'no such version'), 'usage'],
    ['an invalid request (400)', new RegistryHttpError(400, 'invalid-tag', 'bad tag'), 'usage'],
    ['a conflict (409)', new RegistryHttpError(409, 'version-exists', 'exists'), 'failed'],
    ['a conflict in the local store (409)', new RegistryClientError(409, 'user-exists', 'exists'), 'failed'],
    ['an unknown user in the local store (404)', new RegistryClientError(404, 'no-user', 'no user'), 'usage'],
    ['altered bytes', new IntegrityError('sha512-a', 'sha512-b', 'x'), 'failed'],
    ['a refused connection', withCode('ECONNREFUSED'), 'unavailable'],
    ['a database behind a wrapper', new Error('cannot open', { cause: withCode('ECONNREFUSED') }), 'unavailable'],
    ['a refused database login', new Error('cannot open', { cause: withCode('28P01') }), 'unavailable'],
    ['a file system error', withCode('EACCES'), 'failed'],
    ['anything else', new TypeError('x is undefined'), 'failed'],
  ];
  it.each(cases)('%s', (_what, err, kind) => {
    expect(errorKind(err)).toBe(kind);
  });

  it('maps the engine errors run and resume share to usage', () => {
    for (const err of [
      new EngineError('x'),
      new ParamsError({ file: 'p.yml', line: 1, col: 1 }, 'x'),
      new SecretsError('x'),
    ])
      expect(engineErrorKind(err)).toBe('usage');
    expect(engineErrorKind(new Error('x'))).toBeUndefined();
  });

  it('maps a run stopped only by a registry it could not use to unavailable, as resume meets it', () => {
    const unreachable = new RegistryUnreachableError('http://127.0.0.1:9', 'connect ECONNREFUSED');
    const timedOut = new RegistryTimeoutError('http://127.0.0.1:9', 'GET /v1/actions', 5000);
    const notFound = new RegistryClientError(404, 'not-found', 'no action acme/x');
    const problem = (cause?: unknown) => ({ message: 'step "a": uses acme/x@^1: …', ...(cause ? { cause } : {}) });
    expect(engineErrorKind(new EngineError('x', [problem(unreachable), problem(timedOut)]))).toBe('unavailable');
    // Anything the input must fix (an unknown action, a missing secret) beside it: fix that first.
    expect(engineErrorKind(new EngineError('x', [problem(unreachable), problem(notFound)]))).toBe('usage');
    expect(engineErrorKind(new EngineError('x', [problem(unreachable), problem()]))).toBe('usage');
    expect(engineErrorKind(new EngineError('x', []))).toBe('usage');
  });
});

describe('report', () => {
  it('prints `error:` with the hint on its own line, and the exit code of the kind', () => {
    expect(report(new UsageError('no run x', { hint: 'see caravan runs list' }), { env: {} })).toEqual({
      exitCode: EXIT.usage,
      text: 'error: no run x\nhint: see caravan runs list\n',
    });
    expect(report(new RegistryHttpError(403, 'forbidden', 'alice cannot yank', 'ask an owner'), { env: {} })).toEqual({
      exitCode: EXIT.unavailable,
      text: 'error: alice cannot yank (HTTP 403 forbidden)\nhint: ask an owner\n',
    });
    expect(report(new RegistryClientError(409, 'user-exists', 'user "a" already exists'), { env: {} }).text).toBe(
      'error: user "a" already exists (user-exists)\n',
    );
  });

  it('turns oclif usage errors into `error:` and a pointer to --help', () => {
    const { exitCode, text } = report(new Errors.CLIError('Nonexistent flag: --x\nSee more help with --help'), {
      commandLine: 'caravan action yank',
      env: {},
    });
    expect(exitCode).toBe(2);
    expect(text).toBe('error: Nonexistent flag: --x\nhint: `caravan action yank --help` shows what it takes\n');
  });

  it('prints no stack unless CARAVAN_DEBUG=1, and then the causes too', () => {
    const err = new Error('outer', { cause: new Error('inner') });
    expect(report(err, { env: {} }).text).toBe('error: outer\n');
    const debug = report(err, { env: { CARAVAN_DEBUG: '1' } }).text;
    expect(debug).toMatch(/^error: outer\n\nError: outer\n\s+at /);
    expect(debug).toMatch(/caused by: Error: inner\n\s+at /);
  });

  it('never prints a token, a secret or a password in a URL', () => {
    const argv = ['acme/lint@1.0.0', '--token', 'tok-from-flag-123', '--secret=API=sec-ret-value', '-s', 'NAME_ONLY'];
    const env = { CARAVAN_TOKEN: 'tok-from-env-456', CARAVAN_SECRET_DB: 'db-pass-789' };
    const message =
      'refused tok-from-flag-123 and tok-from-env-456 at https://bob:hunter22@registry.example/v1?token=q ' +
      'with cvn_AAAAAAAAAAAAAAAAAAAAAAAA, sec-ret-value, db-pass-789; NAME_ONLY is fine';
    const { text } = report(new Error(message), { argv, env });
    for (const secret of ['tok-from-flag-123', 'tok-from-env-456', 'hunter22', 'token=q', 'cvn_AAAA', 'sec-ret-value'])
      expect(text).not.toContain(secret);
    expect(text).not.toContain('db-pass-789');
    expect(text).toContain('https://registry.example/v1');
    expect(text).toContain('NAME_ONLY is fine');
    expect(scrub('nothing to hide at http://127.0.0.1:9', [], {})).toBe('nothing to hide at http://127.0.0.1:9');
  });
});
