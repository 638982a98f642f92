import { formatIssue, type ParseResult, type SpecIssue } from '@caravan/spec';
import { UsageError } from './base-command.js';

/**
 * Prints a parse result's warnings and errors to stderr, one `file:line:col` line each, then the error count; true
 * when it parsed.
 */
export function printIssues<T>(
  result: ParseResult<T>,
): result is { ok: true; value: T; warnings: ParseResult<T>['warnings'] } {
  for (const warning of result.warnings) process.stderr.write(`${formatIssue(warning)}\n`);
  if (result.ok) return true;
  for (const error of result.errors) process.stderr.write(`${formatIssue(error)}\n`);
  process.stderr.write(`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}\n`);
  return false;
}

/** A file a command needs is not valid (exit 2): `what` (`x.yml is not a valid pipeline`), then each error. */
export function invalidFileError(what: string, errors: SpecIssue[]): UsageError {
  const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
  return new UsageError(`${what} (${count}):\n${errors.map(formatIssue).join('\n')}`);
}
