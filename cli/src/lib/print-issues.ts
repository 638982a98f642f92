import { formatIssue, type ParseResult } from '@caravan/spec';

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
