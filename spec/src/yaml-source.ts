/** A parsed YAML file that can say where any value or key is, for line-accurate errors. */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { SpecIssue } from './issues.js';

export type DataPath = Array<string | number>;

/** Spec files are small; anything larger is a mistake or an attack. */
export const MAX_SPEC_FILE_BYTES = 4 * 1024 * 1024;
const MAX_ALIAS_COUNT = 1000;
const MAX_SYNTAX_ERRORS = 3;

export interface YamlSource {
  file: string;
  text: string;
  data: unknown;
  /** 1-based position of the value (or, with `at: 'key'`, of the key) at `path`; falls back to the nearest ancestor. */
  locate(path: DataPath, at?: 'key' | 'value'): { line: number; col: number };
  /** The node of the value at `path`, if it exists. */
  nodeAt(path: DataPath): Node | undefined;
  /** 1-based position of a character offset in the file. */
  position(offset: number): { line: number; col: number };
  /** The value at `path` exactly as written in the file, if it exists. */
  rawText(path: DataPath): string | undefined;
}

export type LoadYamlResult =
  { ok: true; source: YamlSource; warnings: SpecIssue[] } | { ok: false; errors: SpecIssue[]; warnings: SpecIssue[] };

export function loadYaml(text: string, file: string): LoadYamlResult {
  if (typeof text !== 'string')
    return { ok: false, errors: [issueAt(file, 0, 0, 'content is not text')], warnings: [] };
  if (text.length > MAX_SPEC_FILE_BYTES) {
    return {
      ok: false,
      errors: [
        issueAt(
          file,
          0,
          0,
          `file is ${text.length} bytes, over the limit of ${MAX_SPEC_FILE_BYTES}`,
          'spec files are small; move data into files the steps read',
        ),
      ],
      warnings: [],
    };
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true, merge: true });
  } catch (e) {
    const message =
      e instanceof RangeError ? 'nested too deeply' : e instanceof Error ? firstLine(e.message) : 'cannot be read';
    return { ok: false, errors: [issueAt(file, 1, 1, `invalid YAML: ${message}`)], warnings: [] };
  }
  const position = (offset: number) => {
    const pos = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: pos.line, col: pos.col };
  };
  const toIssue = (e: { message: string; pos: [number, number] }, severity: 'error' | 'warning'): SpecIssue => {
    const { line, col } = position(e.pos[0]);
    // The parser reports its own stack overflow as an error at the spot it gave up.
    const message = /Maximum call stack/.test(e.message) ? 'nested too deeply' : firstLine(e.message);
    return { severity, file, line, col, message: `invalid YAML: ${message}`, hint: syntaxHint(text, e.pos[0]) };
  };
  const warnings = doc.warnings.map((w) => toIssue(w, 'warning'));
  if (doc.errors.length > 0) {
    // Later syntax errors mostly follow from the first ones; a screenful of them hides the cause.
    const errors = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => toIssue(e, 'error'));
    const more = doc.errors.length - errors.length;
    const next = doc.errors[MAX_SYNTAX_ERRORS];
    if (next) {
      const { line, col } = position(next.pos[0]);
      errors.push(
        issueAt(
          file,
          line,
          col,
          `${more} more YAML syntax error${more === 1 ? '' : 's'} from here on, probably caused by the ones above`,
          'fix the first error and lint again',
        ),
      );
    }
    return { ok: false, errors, warnings };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = e instanceof Error ? firstLine(e.message) : 'cannot be read';
    return {
      ok: false,
      errors: [issueAt(file, 1, 1, `invalid YAML: ${message}`, 'use fewer aliases (*name); they are expanded in full')],
      warnings,
    };
  }
  const source: YamlSource = {
    file,
    text,
    data,
    position,
    nodeAt: (path) => walk(doc, path).value,
    rawText(path) {
      const range = walk(doc, path).value?.range;
      return range ? text.slice(range[0], range[1]) : undefined;
    },
    locate(path, at = 'value') {
      const found = walk(doc, path);
      const node = at === 'key' ? (found.key ?? found.value) : found.value;
      const offset = node?.range?.[0] ?? found.nearest?.range?.[0] ?? firstContentOffset(doc);
      return position(offset);
    },
  };
  return { ok: true, source, warnings };
}

interface Found {
  key?: Node;
  value?: Node;
  nearest?: Node;
}

function walk(doc: Document, path: DataPath): Found {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let nearest: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    key = undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (!pair) return { nearest };
      key = pair.key as Node;
      node = pair.value;
      nearest = (pair.value as Node | null) ?? key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) return { nearest };
      nearest = node as Node;
    } else {
      return { nearest };
    }
  }
  const value = node && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
  return key ? { key, value, nearest } : { value, nearest };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function firstContentOffset(doc: Document): number {
  return (doc.contents as Node | null)?.range?.[0] ?? 0;
}

function syntaxHint(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  if (line.includes('${{'))
    return "quote values that contain ${{ }}, e.g. key: '${{ params.x }}' — inside [ ] or { } the braces are YAML syntax";
  if (line.includes('\t')) return 'indent with spaces, not tabs';
  return 'fix the YAML syntax (indentation, quotes, colons)';
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Errors first by position, so output reads top to bottom. */
export function byPosition(a: SpecIssue, b: SpecIssue): number {
  return a.line - b.line || a.col - b.col;
}

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

/** `steps[2].needs` for `['steps', 2, 'needs']`. */
export function formatPath(path: DataPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
