/** Durations in spec files: a number of seconds, or text such as `90s`, `10m`, `1h30m`. */
import type { SpecIssue } from './issues.js';
import { formatPath, issueAt, type DataPath, type YamlSource } from './yaml-source.js';

const DURATION = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds, or undefined when the value is not a valid duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const [, h, m, s] = match;
  const seconds = Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  return seconds > 0 ? seconds : undefined;
}

/**
 * The longest timeout or retry wait: a week. Far above any real step, and below what a Node.js timer can wait
 * (2^31 - 1 ms, about 24.8 days; a longer timer fires at once).
 */
export const MAX_DURATION_SECONDS = 7 * 24 * 3600;

/** An error when the duration at `path` is valid but longer than MAX_DURATION_SECONDS. */
export function checkDurationLimit(value: unknown, path: DataPath, source: YamlSource, errors: SpecIssue[]): void {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= MAX_DURATION_SECONDS) return;
  const { line, col } = source.locate(path);
  const key = formatPath(path);
  errors.push(
    issueAt(
      source.file,
      line,
      col,
      `${key} is ${seconds.toLocaleString('en-US')} seconds; a timeout or wait may be at most 7 days (${MAX_DURATION_SECONDS} seconds)`,
      'write a shorter duration, e.g. 24h',
      key,
    ),
  );
}
