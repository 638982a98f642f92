/**
 * The base of every `caravan` command: the flags several commands share, and the one way an error
 * becomes a message on stderr and an exit code. The table of exit codes is in docs/cli.md.
 *
 * A command throws; it never prints an error or sets an exit code itself. Errors of its own are
 * `UsageError`, `FailedError` or `UnavailableError`; the registry client's errors and oclif's parse
 * errors are mapped here; a command whose libraries throw other errors names their kind in
 * `errorKind` (`run` and `resume` share one mapping for the engine's).
 */
import { Command, Errors, Flags } from '@oclif/core';
import {
  InvalidActionNameError,
  InvalidSettingError,
  RegistryClientError,
  RegistryTimeoutError,
  RegistryUnreachableError,
} from '@caravan/registry';
import { describeError } from '@caravan/registry';
import { redactUrlsIn } from '@caravan/registry';

/** Exit codes: the same kind of error gives the same code in every command. */
export const EXIT = {
  ok: 0,
  /** It ran, and the outcome is a failure: a run failed, a check found errors, a conflict with what exists. */
  failed: 1,
  /** Nothing was done with what was given: a bad flag or argument, a malformed file, an unknown name, no setup. */
  usage: 2,
  /** A service it needs could not be used: unreachable, timed out, failing (5xx), or it refused the credentials. */
  unavailable: 3,
} as const;

export type ErrorKind = 'failed' | 'usage' | 'unavailable';

export interface CommandErrorOptions {
  /** How to fix it; printed on its own `hint:` line. */
  hint?: string;
  cause?: unknown;
}

/** An error that says what kind it is; the message says what is wrong, the hint how to fix it. */
export class CommandError extends Error {
  readonly hint?: string;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: CommandErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Exit 2: the command cannot do anything with what it was given. */
export class UsageError extends CommandError {
  constructor(message: string, options?: CommandErrorOptions) {
    super('usage', message, options);
  }
}

/** Exit 1: the command ran and the outcome is a failure. */
export class FailedError extends CommandError {
  constructor(message: string, options?: CommandErrorOptions) {
    super('failed', message, options);
  }
}

/** Exit 3: a service could not be reached or refused the credentials. */
export class UnavailableError extends CommandError {
  constructor(message: string, options?: CommandErrorOptions) {
    super('unavailable', message, options);
  }
}

/** `--registry` and `--token`, for every command that talks to a registry. */
export const registryFlags = {
  registry: Flags.string({
    description: 'registry URL (default: CARAVAN_REGISTRY, then the one `caravan login` stored)',
    helpGroup: 'REGISTRY',
  }),
  token: Flags.string({
    description:
      'registry token (default: CARAVAN_TOKEN, then the one `caravan login` stored; commands that resolve actions try CARAVAN_REGISTRY_TOKEN first)',
    helpGroup: 'REGISTRY',
  }),
};

/** `--json`, for commands that print data: `what` is printed as JSON on stdout instead of text. */
export function jsonFlag(what: string) {
  return { json: Flags.boolean({ description: `print ${what} as JSON on stdout` }) };
}

/** Codes of the errors a service that cannot be reached leaves: network errors, and PostgreSQL refusing a login. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'EPIPE',
  '28P01', // PostgreSQL: password authentication failed
  '28000', // PostgreSQL: no such role, or the login is not allowed
]);

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && out.length < 8; e = (e as { cause?: unknown }).cause) {
    out.push(e);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) out.push(...inner.slice(0, 4));
  }
  return out;
}

function registryErrorKind(status: number): ErrorKind {
  if (status === 401 || status === 403 || status === 429 || status >= 500) return 'unavailable';
  if (status === 409) return 'failed';
  if (status >= 400) return 'usage';
  return 'failed';
}

/** The kind of any error the commands' shared libraries throw; anything unknown is a failure (1). */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof CommandError) return err.kind;
  // oclif's own: an unknown flag, a missing argument, a value not among a flag's options
  if (err instanceof Errors.CLIError) return err.oclif.exit === EXIT.usage ? 'usage' : 'failed';
  if (err instanceof InvalidActionNameError || err instanceof InvalidSettingError) return 'usage';
  if (err instanceof RegistryUnreachableError || err instanceof RegistryTimeoutError) return 'unavailable';
  if (err instanceof RegistryClientError) return registryErrorKind(err.status);
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unavailable';
  }
  return 'failed';
}

/** What to print for an error: its message, and a hint when it carries one apart. */
function explain(err: unknown, commandLine: string): { message: string; hint?: string } {
  if (err instanceof CommandError) return { message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof RegistryClientError) return { message: describeError(err) }; // the client's: message, code, hint
  if (err instanceof Errors.CLIError && err.oclif.exit === EXIT.usage) {
    const message = err.message.replace(/\n*See more help with --help\s*$/, '');
    return { message, hint: `\`${commandLine} --help\` shows what it takes` };
  }
  if (err instanceof Error) return { message: err.message || err.name };
  return { message: String(err) };
}

const TOKEN_FLAGS = new Set(['--token', '--secret', '-s']);
const SECRET_ENV = /^(CARAVAN_TOKEN|CARAVAN_REGISTRY_TOKEN|CARAVAN_SECRET_.+|CARAVAN_WEBHOOK_SECRET)$/;

/** Values that must never be printed: tokens and secrets given on the command line or in the environment. */
function secretValues(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!TOKEN_FLAGS.has(flag)) continue;
    const value = flag === arg ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) continue;
    // --secret NAME=VALUE: the value follows the name's "="; a bare NAME is read from the environment
    if (flag === '--token') values.push(value);
    else if (value.includes('=')) values.push(value.slice(value.indexOf('=') + 1));
  }
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV.test(name) && value) values.push(value);
  return values.filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
}

/** `text` without credentials in URLs, registry tokens, or any token or secret this process was given. */
export function scrub(text: string, argv: string[] = [], env: NodeJS.ProcessEnv = process.env): string {
  let out = redactUrlsIn(text).replace(/\bcvn_[A-Za-z0-9_-]{16,}/g, 'cvn_***');
  for (const value of secretValues(argv, env)) out = out.replaceAll(value, '***');
  return out;
}

/** The lines printed on stderr for an error, and its exit code. */
export function report(
  err: unknown,
  opts: { commandLine?: string; argv?: string[]; env?: NodeJS.ProcessEnv; kind?: ErrorKind } = {},
): { exitCode: number; text: string } {
  const env = opts.env ?? process.env;
  const kind = opts.kind ?? errorKind(err);
  const { message, hint } = explain(err, opts.commandLine ?? 'caravan');
  let text = `error: ${message}\n${hint ? `hint: ${hint}\n` : ''}`;
  if (env.CARAVAN_DEBUG === '1') {
    for (const e of causes(err))
      if (e instanceof Error && e.stack) text += `\n${e === err ? '' : 'caused by: '}${e.stack}\n`;
  }
  return { exitCode: EXIT[kind], text: scrub(text, opts.argv ?? [], env) };
}

/** Every caravan command extends this (cli/test/commands.test.ts checks it). */
export abstract class CaravanCommand extends Command {
  /**
   * The kind of an error thrown by the libraries this command uses, when the shared mapping
   * (`errorKind`) does not know it; undefined leaves it to the shared mapping.
   */
  protected errorKind(_err: unknown): ErrorKind | undefined {
    return undefined;
  }

  /** The command as typed, e.g. `caravan action yank`. */
  protected get commandLine(): string {
    return `${this.config?.bin ?? 'caravan'}${this.id ? ` ${this.id.replaceAll(':', ' ')}` : ''}`;
  }

  /** Prints `error: …` (and `hint: …`) on stderr and exits with the code of the error's kind. */
  override async catch(err: Error & { exitCode?: number }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err; // this.exit(n): the command chose its code
    const { exitCode, text } = report(err, {
      commandLine: this.commandLine,
      argv: this.argv,
      kind: this.errorKind(err) ?? errorKind(err),
    });
    process.stderr.write(text);
    return this.exit(exitCode) as never;
  }
}
