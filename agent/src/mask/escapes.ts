/**
 * Secrets split by terminal escape sequences. `grep --color` prints a match inside a secret as
 * `hun\e[01;31m\e[Kter2\e[m\e[K-horse`: every byte pattern misses it, yet the terminal shows the
 * secret. For a line holding an ESC byte, the masker looks again at its visible text (the line
 * without its CSI sequences), and replaces each match that escape sequences split or touch with
 * `***` followed by the sequences it held, so that colours stay as the action set them.
 */
import type { Matcher } from './matcher.js';

const ESC = 0x1b;
const STARS = Buffer.from('***');

/**
 * Where the CSI sequence starting at `at` (ESC `[` parameters, intermediates, a final byte) ends,
 * or `at` when none starts there.
 */
export function csiEnd(bytes: Uint8Array, at: number): number {
  if (bytes[at] !== ESC || bytes[at + 1] !== 0x5b) return at;
  let i = at + 2;
  while (i < bytes.length && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x3f) i++;
  while (i < bytes.length && (bytes[i] as number) >= 0x20 && (bytes[i] as number) <= 0x2f) i++;
  if (i < bytes.length && (bytes[i] as number) >= 0x40 && (bytes[i] as number) <= 0x7e) return i + 1;
  return at;
}

/**
 * The line with every secret hidden by escape sequences masked; the line itself when there is
 * none. Matches that no escape sequence touches are left for the stream, which counts them.
 * The visible text is copied run by run between sequences (native copies), and scanned once.
 */
export function maskAcrossEscapes(line: Buffer, matcher: Matcher, countReplacement: () => void): Buffer {
  if (matcher.empty) return line;
  let esc = line.indexOf(ESC);
  if (esc < 0) return line;
  const visible = Buffer.allocUnsafe(line.length);
  // the visible text in runs between sequences: the run's start in `visible`, then in `line`
  const runs: number[] = [];
  let n = 0;
  let from = 0;
  while (esc >= 0) {
    const end = csiEnd(line, esc);
    if (end > esc) {
      if (esc > from) {
        runs.push(n, from);
        n += line.copy(visible, n, from, esc);
      }
      from = end;
    }
    esc = line.indexOf(ESC, Math.max(end, esc + 1));
  }
  if (from < line.length) {
    runs.push(n, from);
    n += line.copy(visible, n, from);
  }
  if (n === line.length || n === 0) return line;
  const runCount = runs.length / 2;
  const visibleStart = (r: number) => runs[2 * r] as number;
  const lineStart = (r: number) => runs[2 * r + 1] as number;
  const lineEnd = (r: number) => lineStart(r) + (r + 1 < runCount ? visibleStart(r + 1) : n) - visibleStart(r);
  const runOf = (k: number) => {
    let r = 0;
    while (r + 1 < runCount && visibleStart(r + 1) <= k) r++;
    return r;
  };

  const spans = matcher.spans(visible.subarray(0, n), 0, n - 1);
  const out: Buffer[] = [];
  let copied = 0;
  for (let s = 0; s < spans.length; s += 2) {
    const first = spans[s] as number;
    const last = (spans[s + 1] as number) - 1;
    const r1 = runOf(first);
    const r2 = runOf(last);
    const touchesBefore = first === visibleStart(r1) && lineStart(r1) > 0;
    const from = lineStart(r1) + first - visibleStart(r1);
    const to = lineStart(r2) + last - visibleStart(r2) + 1;
    const touchesAfter = to === lineEnd(r2) && to < line.length;
    // untouched by sequences (inside, just before or just after): the stream masks it as usual
    if (r1 === r2 && !touchesBefore && !touchesAfter) continue;
    out.push(line.subarray(copied, from), STARS);
    countReplacement();
    // the sequences the match held, in order
    for (let r = r1; r < r2; r++) out.push(line.subarray(lineEnd(r), lineStart(r + 1)));
    copied = to;
  }
  if (out.length === 0) return line;
  out.push(line.subarray(copied));
  return Buffer.concat(out);
}
