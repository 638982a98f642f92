/** The issues found while building a YAML document's data: located, and capped so a hostile file stays short. */
import { issueAt } from './issue-at.js';
import type { SpecIssue } from './issues.js';

export type Position = (offset: number) => { line: number; col: number };

/** Problems of one kind after which the rest are summed up in one line. */
const MAX_REPORTED = 10;

/** Where a node (or alias) starts in the text; 0 when it has no range. */
export function startOf(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
}

export class BuildIssues {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];
  private unreported = 0;
  private firstUnreported?: number;

  constructor(
    readonly file: string,
    readonly position: Position,
  ) {}

  /** An error at `offset`, made from its line and column; past the cap only counted. */
  report(offset: number, make: (line: number, col: number) => SpecIssue): void {
    if (this.errors.length >= MAX_REPORTED) {
      this.unreported++;
      this.firstUnreported ??= offset;
      return;
    }
    const { line, col } = this.position(offset);
    this.errors.push(make(line, col));
  }

  /** A warning at `offset` (never capped). */
  warn(offset: number, make: (line: number, col: number) => SpecIssue): void {
    const { line, col } = this.position(offset);
    this.warnings.push({ ...make(line, col), severity: 'warning' });
  }

  /** Sums up the errors past the cap in one last issue. */
  summarise(): void {
    if (this.unreported > 0) {
      const { line, col } = this.position(this.firstUnreported ?? 0);
      this.errors.push(
        issueAt(
          this.file,
          line,
          col,
          `${this.unreported} more problem${this.unreported === 1 ? '' : 's'} like these from here on`,
          'fix the ones above and check again',
        ),
      );
    }
  }
}
