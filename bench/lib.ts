/**
 * One benchmark figure printed beside a baseline measured in the same run, because these
 * machines are noisy: the ratio is what compares across runs, not the raw figure.
 */
export interface BenchRow {
  /** What was measured, e.g. `mask 100 secrets`. */
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, in the same unit. */
  baseline: number;
  baselineName: string;
  /** The target from the issue, in words, e.g. `>= 400 MB/s` or `<= 1.3x baseline`. */
  goal: string;
  /** Whether the goal is met by this run's figures. */
  met: boolean;
  /** A figure the goal is judged on when it is not value against baseline, in words. */
  detail?: string;
}

/** A benchmark module: `bench/<part>.bench.ts` default-exports one of these. */
export interface Bench {
  title: string;
  run(): Promise<BenchRow[]>;
}

export function formatRow(row: BenchRow): string {
  const ratio = row.baseline === 0 ? 'n/a' : (row.value / row.baseline).toFixed(2);
  const fig = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
  return [
    row.name.padEnd(44),
    `${fig(row.value)} ${row.unit}`.padStart(16),
    `baseline ${row.baselineName} ${fig(row.baseline)} ${row.unit}`.padEnd(48),
    `ratio ${ratio}`.padEnd(12),
    `goal ${row.goal}`.padEnd(26),
    row.met ? 'met' : 'NOT MET',
    ...(row.detail ? [`(${row.detail})`] : []),
  ].join('  ');
}
