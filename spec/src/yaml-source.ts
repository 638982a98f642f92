/** A parsed YAML file that can say where any value or key is, for line-accurate errors. */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Alias,
  type Document,
  type DocumentOptions,
  type Node,
  type Pair,
  type ParseOptions,
  type SchemaOptions,
  type YAMLError,
  type YAMLMap,
} from 'yaml';
import { issueAt } from './issue-at.js';
import type { SpecIssue } from './issues.js';
import { buildData } from './yaml-build.js';
import type { ExpansionStats } from './yaml-expansion.js';
import { checkText, MAX_NESTING_DEPTH, type ScanStats } from './yaml-limits.js';

export { issueAt } from './issue-at.js';
export { MAX_SPEC_FILE_BYTES } from './yaml-limits.js';

export type DataPath = Array<string | number>;

const MAX_SYNTAX_ERRORS = 3;

/**
 * YAML 1.2's core schema whatever the file's `%YAML` directive says: values are text, numbers, booleans and null
 * (no dates, no binary, no sets); `<<` merges mappings. Keys are checked for duplicates while the data is built:
 * the library's own check compares every key with every other one.
 */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  prettyErrors: false,
  uniqueKeys: false,
  strict: true,
  merge: true,
  schema: 'core',
  resolveKnownTags: false,
};

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

/** How much work reading the file took: what the limits bound. */
export interface YamlStats {
  scan: ScanStats;
  /** Absent when the text was refused before it was parsed. */
  expansion?: ExpansionStats;
}

export type LoadYamlResult =
  | { ok: true; source: YamlSource; warnings: SpecIssue[]; stats: YamlStats }
  | { ok: false; errors: SpecIssue[]; warnings: SpecIssue[]; stats: YamlStats };

export function loadYaml(input: string, file: string): LoadYamlResult {
  const stats: YamlStats = { scan: { tokens: 0, flowDepth: 0 } };
  const fail = (errors: SpecIssue[], warnings: SpecIssue[] = []): LoadYamlResult => ({
    ok: false,
    errors,
    warnings,
    stats,
  });
  if (typeof input !== 'string') return fail([issueAt(file, 1, 1, 'content is not text')]);
  // Editors count columns after a byte order mark.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const checked = checkText(text, file);
  stats.scan = checked.stats;
  if (checked.issue) return fail([checked.issue]);

  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  const stackTraceLimit = Error.stackTraceLimit;
  try {
    // Every syntax error is an Error; without stack traces a file full of them costs a third less to parse.
    Error.stackTraceLimit = 0;
    doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  } catch (e) {
    const message =
      e instanceof RangeError ? 'nested too deeply' : e instanceof Error ? firstLine(e.message) : 'cannot be read';
    return fail([issueAt(file, 1, 1, `invalid YAML: ${message}`, e instanceof RangeError ? DEEP_HINT : undefined)]);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const position = (offset: number) => {
    const pos = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: pos.line, col: pos.col };
  };
  const toIssue = (e: YAMLError, severity: 'error' | 'warning'): SpecIssue => {
    const { line, col } = position(e.pos[0]);
    // The parser reports its own stack overflow as an error at the spot it gave up.
    if (/Maximum call stack/.test(e.message))
      return { severity, file, line, col, message: 'invalid YAML: nested too deeply', hint: DEEP_HINT };
    if (e.code === 'MULTIPLE_DOCS')
      return {
        severity,
        file,
        line,
        col,
        message: 'invalid YAML: a second document starts here; a spec file is one document',
        hint: 'remove this --- and what follows, or move it to a file of its own',
      };
    return {
      severity,
      file,
      line,
      col,
      message: `invalid YAML: ${firstLine(e.message)}`,
      hint: syntaxHint(text, e.pos[0]),
    };
  };
  // A tag the core schema does not know (`!Ref`, `!!binary`, `!!int abc`) would be read as plain text.
  const tagErrors = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED');
  const warnings = doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED').map((w) => toIssue(w, 'warning'));
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
    return fail(errors, warnings);
  }
  const built = buildData(doc.contents, file, position);
  stats.expansion = built.stats;
  warnings.push(...built.warnings);
  const errors = [
    ...tagErrors.slice(0, MAX_SYNTAX_ERRORS).map((w) => {
      const { line, col } = position(w.pos[0]);
      const tag = text.slice(w.pos[0], w.pos[1]).trim() || 'tag';
      return issueAt(
        file,
        line,
        col,
        `YAML tag ${tag} is not supported in spec files`,
        'remove the tag: spec files are plain YAML (quote the value to keep it as text)',
      );
    }),
    ...built.errors,
  ];
  if (errors.length > 0) return fail(errors.sort(byPosition), warnings);

  const { targets } = built;
  const source: YamlSource = {
    file,
    text,
    data: built.data,
    position,
    nodeAt: (path) => walk(doc, targets, path).value,
    rawText(path) {
      const range = walk(doc, targets, path).value?.range;
      return range ? text.slice(range[0], range[1]) : undefined;
    },
    locate(path, at = 'value') {
      const found = walk(doc, targets, path);
      const node = at === 'key' ? (found.key ?? found.value) : found.value;
      const offset = node?.range?.[0] ?? found.nearest?.range?.[0] ?? firstContentOffset(doc);
      return position(offset);
    },
  };
  return { ok: true, source, warnings, stats };
}

const DEEP_HINT = `spec files are shallow: at most ${MAX_NESTING_DEPTH} levels of mappings and lists`;

interface Found {
  key?: Node;
  value?: Node;
  nearest?: Node;
}

/** Each mapping's pairs by key text, built on first lookup: locating N issues in a big mapping stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const text = isPair(pair) ? keyText(pair.key) : undefined;
      if (text !== undefined && !index.has(text)) index.set(text, pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function walk(doc: Document, targets: Map<Alias, Node>, path: DataPath): Found {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let nearest: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const segment of path) {
    if (isAlias(node)) node = targets.get(node);
    key = undefined;
    if (isMap(node)) {
      const pair = pairOf(node, String(segment));
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

/** Issues reported for one file; a hostile file can have a problem on every line, and a screenful is enough. */
export const MAX_REPORTED_ISSUES = 100;

/** The first MAX_REPORTED_ISSUES issues (sorted by position), then one that says how many more there are. */
export function capIssues(issues: SpecIssue[]): SpecIssue[] {
  const next = issues[MAX_REPORTED_ISSUES];
  if (!next) return issues;
  const more = issues.length - MAX_REPORTED_ISSUES;
  const kind = next.severity === 'warning' ? 'warning' : 'error';
  return [
    ...issues.slice(0, MAX_REPORTED_ISSUES),
    {
      ...issueAt(next.file, next.line, next.col, `${more} more ${kind}${more === 1 ? '' : 's'} from here on`),
      hint: 'fix the ones above and check again',
      severity: next.severity,
    },
  ];
}

/** Errors first by position, so output reads top to bottom. */
export function byPosition(a: SpecIssue, b: SpecIssue): number {
  return a.line - b.line || a.col - b.col;
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
