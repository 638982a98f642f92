/**
 * The compiled pattern set of a masker: every secret's patterns in one skip scanner, plus the
 * short whole-word secrets. Immutable: `add()` on the masker builds a new one.
 */
import { PrefixFilter } from './prefix-filter.js';
import { SkipScanner } from './skip-scanner.js';
import type { Pattern } from './variants.js';
import { WholeWordScanner } from './whole-word-scanner.js';

export class Matcher {
  /**
   * Bytes a match can need from its start: the longest pattern, plus one byte after a
   * whole-word pattern to see the boundary. A stream holds back at most `maxSpan - 1` bytes.
   */
  readonly maxSpan: number;
  readonly empty: boolean;
  private readonly anywhere: SkipScanner | undefined;
  private readonly wholeWords: WholeWordScanner | undefined;
  private readonly prefixes: PrefixFilter;

  constructor(patterns: readonly Pattern[]) {
    const anywhere = patterns.filter((p) => !p.wholeWord).map((p) => p.bytes);
    const wholeWords = patterns.filter((p) => p.wholeWord).map((p) => p.bytes);
    this.anywhere = anywhere.length > 0 ? new SkipScanner(anywhere) : undefined;
    this.wholeWords = wholeWords.length > 0 ? new WholeWordScanner(wholeWords) : undefined;
    this.empty = patterns.length === 0;
    this.maxSpan = patterns.reduce((most, p) => Math.max(most, p.bytes.length + (p.wholeWord ? 1 : 0)), 1);
    this.prefixes = new PrefixFilter(
      patterns.map((p) => p.bytes),
      this.maxSpan,
    );
  }

  /**
   * Where a stream must start holding back: the first position from `from` on whose bytes up to
   * the end of `buf` could still grow into a match; `buf.length` when none can. Every match
   * starting before it lies wholly inside `buf`, boundary byte included.
   */
  holdFrom(buf: Uint8Array, from: number): number {
    return this.prefixes.firstPossibleStart(buf, from);
  }

  /**
   * Every match starting in [from, to] (and ending within `buf`) as sorted, merged spans:
   * flat `start, end` pairs where touching or overlapping matches are joined. `byteBefore` is
   * the byte that precedes `buf` in the stream (-1: none, or not known).
   */
  spans(buf: Buffer, from: number, to: number, byteBefore = -1): number[] {
    const found: number[] = [];
    this.anywhere?.find(buf, from, to, found);
    const ordered = found.length;
    this.wholeWords?.find(buf, from, to, found, byteBefore);
    return mergeSpans(found, found.length !== ordered);
  }
}

function mergeSpans(pairs: number[], needsSort: boolean): number[] {
  if (pairs.length === 0) return pairs;
  let list = pairs;
  if (needsSort) {
    const order: [number, number][] = [];
    for (let i = 0; i < pairs.length; i += 2) order.push([pairs[i] as number, pairs[i + 1] as number]);
    order.sort((a, b) => a[0] - b[0]);
    list = order.flat();
  }
  const merged: number[] = [list[0] as number, list[1] as number];
  for (let i = 2; i < list.length; i += 2) {
    const start = list[i] as number;
    const end = list[i + 1] as number;
    const last = merged.length - 1;
    if (start <= (merged[last] as number)) {
      if (end > (merged[last] as number)) merged[last] = end;
    } else {
      merged.push(start, end);
    }
  }
  return merged;
}
