/**
 * How a step's log is kept: as blocks, each a row holding consecutive lines of one batch, one
 * stream and one time, its text the lines joined by "\n". Lines never hold "\n", except an entry
 * of the JSON log body (older agents) may: such an entry is a block of its own, and a block of
 * one line is its text as it is, never split.
 *
 * A line's position is its block's position (SQLite rowid, PostgreSQL `pos`) × LINES_PER_BLOCK
 * plus its offset in the block: it grows with the order lines were stored in and never changes.
 * Positions stay exact JavaScript numbers while block positions are below 2^33.
 */
import { rowToLog, type Row } from './rows.js';
import type { PositionedLogEntry, StoredLogEntry } from './types.js';

export type NewLogEntry = Omit<StoredLogEntry, 'stepId' | 'taskId' | 'seq'>;

/** Room for line offsets in a position; a block holds far fewer lines (MAX_BLOCK_LINES). */
export const LINES_PER_BLOCK = 2 ** 20;
/** A block is closed at this many lines or characters, so a follower paging through it rereads little. */
export const MAX_BLOCK_LINES = 10_000;
export const MAX_BLOCK_CHARS = 1 << 20;

export interface LogBlock {
  /** The index in the batch of the block's first line. */
  firstIdx: number;
  lines: number;
  stream: NewLogEntry['stream'];
  ts: number;
  text: string;
}

/** A batch's entries as blocks, in order. */
export function logBlocks(entries: readonly NewLogEntry[]): LogBlock[] {
  const blocks: LogBlock[] = [];
  let open: { firstIdx: number; stream: NewLogEntry['stream']; ts: number; texts: string[]; chars: number } | undefined;
  // Made storable a block at a time: the "\n" between two lines neither pairs nor splits a surrogate.
  const close = () => {
    if (open)
      blocks.push({
        firstIdx: open.firstIdx,
        lines: open.texts.length,
        stream: open.stream,
        ts: open.ts,
        text: storable(open.texts.join('\n')),
      });
    open = undefined;
  };
  entries.forEach((e, i) => {
    const text = e.text;
    if (text.includes('\n')) {
      close();
      blocks.push({ firstIdx: i, lines: 1, stream: e.stream, ts: e.ts, text: storable(text) });
      return;
    }
    if (
      open &&
      open.stream === e.stream &&
      open.ts === e.ts &&
      open.texts.length < MAX_BLOCK_LINES &&
      open.chars + 1 + text.length <= MAX_BLOCK_CHARS
    ) {
      open.texts.push(text);
      open.chars += 1 + text.length;
      return;
    }
    close();
    open = { firstIdx: i, stream: e.stream, ts: e.ts, texts: [text], chars: text.length };
  });
  close();
  return blocks;
}

/** The texts of a stored block's lines. */
function blockTexts(row: Row): string[] {
  const text = String(row.text);
  return Number(row.lines) === 1 ? [text] : text.split('\n');
}

/** A stored block's lines. */
export function blockLines(row: Row): StoredLogEntry[] {
  const base = rowToLog(row);
  return blockTexts(row).map((text) => ({ ...base, text }));
}

/** A stored block's lines with their positions. */
export function positionedLines(row: Row): PositionedLogEntry[] {
  const base = rowToLog(row);
  const first = Number(row.pos) * LINES_PER_BLOCK;
  return blockTexts(row).map((text, i) => ({ ...base, text, pos: first + i }));
}

/** The position of line `offset` (from 0) of the block at `blockPos`. */
export function linePosition(blockPos: number, offset: number): number {
  return blockPos * LINES_PER_BLOCK + offset;
}

/** The position of the block holding the line at `pos`. */
export function blockOf(pos: number): number {
  return Math.floor(pos / LINES_PER_BLOCK);
}

/**
 * A text both stores keep as it is: PostgreSQL refuses NUL in text, and a lone surrogate has no
 * UTF-8 form; each becomes U+FFFD, on both stores alike.
 */
export function storable(text: string): string {
  const clean = (text.includes('\0') ? text.replaceAll('\0', '\ufffd') : text) as WellFormedString;
  return clean.isWellFormed() ? clean : clean.toWellFormed();
}

/** ES2024 string methods, in Node since 20; TypeScript's lib here predates them. */
type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };
