/**
 * ANSI colours in logs, rendered safely: a small SGR parser that turns a line into text segments,
 * each with fixed class names only (`a-b`, `a-fg1`, ...). Any other escape sequence is dropped.
 * The text is always escaped when rendered; nothing from a log ever becomes markup.
 */
import { escapeHtml } from '@caravan/registry';

export interface Segment {
  text: string;
  /** Space-separated fixed class names, empty when plain. */
  cls: string;
}

interface Style {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  fg?: number;
  bg?: number;
}

// CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), and lone two-byte escapes.
// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ESCAPE = /\u001b\[([0-9;:?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?/g;

function classes(s: Style): string {
  const out: string[] = [];
  if (s.bold) out.push('a-b');
  if (s.dim) out.push('a-d');
  if (s.italic) out.push('a-i');
  if (s.underline) out.push('a-u');
  if (s.fg !== undefined) out.push(`a-fg${s.fg}`);
  if (s.bg !== undefined) out.push(`a-bg${s.bg}`);
  return out.join(' ');
}

function apply(style: Style, params: string): void {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0)
      Object.assign(style, { bold: false, dim: false, italic: false, underline: false, fg: undefined, bg: undefined });
    else if (c === 1) style.bold = true;
    else if (c === 2) style.dim = true;
    else if (c === 3) style.italic = true;
    else if (c === 4) style.underline = true;
    else if (c === 22) style.bold = style.dim = false;
    else if (c === 23) style.italic = false;
    else if (c === 24) style.underline = false;
    else if (c >= 30 && c <= 37) style.fg = c - 30;
    else if (c >= 90 && c <= 97) style.fg = c - 90 + 8;
    else if (c === 39) style.fg = undefined;
    else if (c >= 40 && c <= 47) style.bg = c - 40;
    else if (c >= 100 && c <= 107) style.bg = c - 100 + 8;
    else if (c === 49) style.bg = undefined;
    else if (c === 38 || c === 48) {
      // 256-colour (5;n) maps its first 16 onto the palette; true colour (2;r;g;b) is dropped.
      const mode = codes[i + 1];
      const n = codes[i + 2];
      if (mode === 5 && n !== undefined && n < 16) style[c === 38 ? 'fg' : 'bg'] = n;
      i += mode === 5 ? 2 : mode === 2 ? 4 : 1;
    }
  }
}

export function ansiSegments(line: string): Segment[] {
  const style: Style = { bold: false, dim: false, italic: false, underline: false };
  const out: Segment[] = [];
  let last = 0;
  const push = (text: string) => {
    // Other control characters (but tab) are shown as nothing.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
    if (clean === '') return;
    const cls = classes(style);
    const prev = out.at(-1);
    if (prev && prev.cls === cls) prev.text += clean;
    else out.push({ text: clean, cls });
  };
  for (const m of line.matchAll(ESCAPE)) {
    push(line.slice(last, m.index));
    if (m[2] === 'm') apply(style, m[1] ?? '');
    last = m.index + m[0].length;
  }
  push(line.slice(last));
  return out;
}

/** One log line as HTML: escaped text in spans with fixed class names. */
export function ansiHtml(line: string): string {
  return ansiSegments(line)
    .map((s) => (s.cls === '' ? escapeHtml(s.text) : `<span class="${s.cls}">${escapeHtml(s.text)}</span>`))
    .join('');
}
