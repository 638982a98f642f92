/** Builds located issues; shared by the YAML reader and the checks. */
import type { SpecIssue } from './issues.js';

export function issueAt(
  file: string,
  line: number,
  col: number,
  message: string,
  hint?: string,
  key?: string,
): SpecIssue {
  const issue: SpecIssue = { severity: 'error', file, line, col, message };
  if (key) issue.key = key;
  if (hint) issue.hint = hint;
  return issue;
}

/** 1-based line and column of a character offset, counted in the text itself (before a line index exists). */
export function positionIn(text: string, offset: number): { line: number; col: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) line++;
  return { line, col: end - (text.lastIndexOf('\n', end - 1) + 1) + 1 };
}
