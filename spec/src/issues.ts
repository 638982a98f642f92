/** A problem found in a spec file, located to the character. */
export interface SpecIssue {
  severity: 'error' | 'warning';
  /** Path of the file as the user gave it. */
  file: string;
  /** 1-based line and column; 0 when the location is unknown (e.g. the file is missing). */
  line: number;
  col: number;
  /** Dotted path of the offending key, e.g. `steps[2].needs`. */
  key?: string;
  message: string;
  /** What would be valid, e.g. `did you mean "required"?` */
  hint?: string;
}

export type ParseResult<T> =
  { ok: true; value: T; warnings: SpecIssue[] } | { ok: false; errors: SpecIssue[]; warnings: SpecIssue[] };

/** `file:line:col: error: message (key) — hint` */
export function formatIssue(issue: SpecIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  const key = issue.key ? ` [${issue.key}]` : '';
  const hint = issue.hint ? ` — ${issue.hint}` : '';
  return `${where}: ${issue.severity}: ${issue.message}${key}${hint}`;
}
