/** `caravan action search` as text: one aligned line per hit, cut to the terminal's width. */
import type { SearchHit } from '@caravan/registry';

export const DEFAULT_WIDTH = 100;

/** The terminal's width; when stdout is not a terminal, `COLUMNS`, else DEFAULT_WIDTH. */
export function terminalWidth(): number {
  const columns = Number(process.env['COLUMNS']);
  return process.stdout.columns || (Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_WIDTH);
}

/** `text` at most `width` characters (by code point), with `…` where it was cut. */
export function cut(text: string, width: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  if (width <= 0) return '';
  return chars.length <= width ? chars.join('') : `${chars.slice(0, width - 1).join('')}…`;
}

export function searchLines(hits: SearchHit[], width = DEFAULT_WIDTH): string[] {
  const cells = hits.map((h) => [
    h.name,
    h.version,
    h.scopeKind,
    h.category ?? '-',
    h.deprecated === undefined ? '' : 'DEPRECATED',
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(0, ...cells.map((c) => (c[i] ?? '').length)));
  return hits.map((h, row) => {
    const head = (cells[row] ?? [])
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .filter((_, i) => i < 4 || (widths[4] ?? 0) > 0)
      .join('  ');
    const room = width - head.length - 2;
    return room >= 10 ? `${head}  ${cut(h.description, room)}` : head.trimEnd();
  });
}
