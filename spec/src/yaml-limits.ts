/**
 * Limits on spec files (action.yml, pipeline.yml), and the checks made on the text before the YAML is parsed.
 *
 * Real spec files are a few KiB. The limits sit far above them and far below what makes the YAML library, the
 * schema check or the engine's stored copy of a run pathologically slow, so a hostile file is refused in bounded
 * work: every check here is one pass over the text, and the YAML parser only runs on text that passed them.
 */
import { CST, Lexer } from 'yaml';
import { issueAt, positionIn } from './issue-at.js';
import type { SpecIssue } from './issues.js';

/**
 * Bytes of UTF-8 in one spec file. The largest pipelines we know of are tens of KiB; at the step limit (1000 steps
 * of a few lines each) a pipeline is a few hundred KiB. Over a MiB it is generated data or an attack.
 */
export const MAX_SPEC_FILE_BYTES = 1024 * 1024;

/**
 * YAML tokens (keys, values, indicators, spaces, line breaks) in one file: what the YAML parser's time depends on
 * (about 2 µs a token, more when the machine is busy). A pipeline has about 100 tokens a step, so one at the step
 * limit (1000 steps) has about 100,000; long scripts and descriptions are one token each. Text denser than real
 * YAML (`[1,1,1,…]`, a key on every 5-byte line) reaches this limit long before the size limit.
 */
export const MAX_YAML_TOKENS = 150_000;

/** Values (every key, item, mapping and scalar) after YAML aliases are expanded. */
export const MAX_EXPANDED_NODES = 100_000;

/**
 * Characters of text in keys and scalars after YAML aliases are expanded: the old limit on a whole file. The
 * engine stores the expanded pipeline with every run and hands parts of it to every task.
 */
export const MAX_EXPANDED_TEXT = 4 * 1024 * 1024;

/** Mappings and lists inside each other; real files nest fewer than 10 deep. Also the limit of `${{ }}`. */
export const MAX_NESTING_DEPTH = 64;

export const HOSTILE_HINT = 'a spec file this large is a mistake or an attack';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes < 1024 ** 4) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${formatCount(bytes)} bytes`;
}

/** `12,345`, or `about 10^30` for numbers too large to read. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'more than 10^308';
  if (n >= 1e12) return `about 10^${Math.floor(Math.log10(n))}`;
  return n.toLocaleString('en-US');
}

/** The size limit, on text or on a file's byte count (`atLeast` when reading stopped past the limit). */
export function tooLarge(file: string, bytes: number, atLeast = false): SpecIssue {
  const size = atLeast ? `more than ${formatSize(MAX_SPEC_FILE_BYTES)}` : formatSize(bytes);
  return issueAt(
    file,
    1,
    1,
    `the file is ${size}; a spec file may be at most ${formatSize(MAX_SPEC_FILE_BYTES)}`,
    `${HOSTILE_HINT}: move data into files the steps read, or split the pipeline`,
  );
}

/** Characters YAML does not allow in a stream (outside its printable set), and a CR that ends no line. */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\r(?!\n)/;

export interface ScanStats {
  /** Tokens the lexer produced before the scan ended (at most MAX_YAML_TOKENS + 1). */
  tokens: number;
  /** Deepest `[` / `{` nesting seen. */
  flowDepth: number;
}

/**
 * Checks the text before it is parsed: size, characters, token count and bracket nesting. The lexer pass stops at
 * the first limit it crosses, so its work is bounded by the limits, not by the file.
 */
export function checkText(text: string, file: string): { issue?: SpecIssue; stats: ScanStats } {
  const stats: ScanStats = { tokens: 0, flowDepth: 0 };
  // A UTF-16 unit is at most 3 bytes of UTF-8: only long texts need counting.
  if (text.length > MAX_SPEC_FILE_BYTES / 3) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_SPEC_FILE_BYTES) return { issue: tooLarge(file, bytes), stats };
  }
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const { line, col } = positionIn(text, bad.index);
    return { issue: issueAt(file, line, col, ...describeCharacter(bad[0])), stats };
  }
  let offset = 0;
  let depth = 0;
  let inScalar = false;
  for (const lexeme of new Lexer().lex(text)) {
    // The lexer marks the start of a plain or block scalar with a control character that is not in the text.
    const type: CST.TokenType | 'scalar-text' | null = inScalar ? 'scalar-text' : CST.tokenType(lexeme);
    inScalar = type === 'scalar';
    if (type === 'scalar' || type === 'doc-mode' || type === 'flow-error-end') continue;
    stats.tokens++;
    if (stats.tokens > MAX_YAML_TOKENS) {
      const { line, col } = positionIn(text, offset);
      const message = `the file has more than ${formatCount(MAX_YAML_TOKENS)} YAML tokens (keys, values, punctuation) by line ${line}`;
      return {
        issue: issueAt(file, line, col, message, `${HOSTILE_HINT}: real pipelines have a token every 4 bytes or so`),
        stats,
      };
    }
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      depth++;
      stats.flowDepth = Math.max(stats.flowDepth, depth);
      if (depth > MAX_NESTING_DEPTH) {
        const { line, col } = positionIn(text, offset);
        return { issue: tooDeep(file, line, col), stats };
      }
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') {
      depth = Math.max(0, depth - 1);
    }
    offset += lexeme.length;
  }
  return { stats };
}

export function tooDeep(file: string, line: number, col: number, via?: string): SpecIssue {
  return issueAt(
    file,
    line,
    col,
    `${via ?? 'values are'} nested more than ${MAX_NESTING_DEPTH} levels deep`,
    'spec files are shallow (fewer than 10 levels): flatten the structure',
  );
}

function describeCharacter(char: string): [string, string] {
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (char === '\r')
    return [
      `a carriage return (${code}) that ends no line`,
      'save the file with LF (or CRLF) line endings; old Mac line endings are not read as line breaks',
    ];
  if (char >= '\uD800' && char <= '\uDFFF')
    return [`an unpaired surrogate (${code}): the text is not valid Unicode`, 'save the file as UTF-8'];
  const name = char === '\0' ? 'a NUL character' : 'a control character';
  const escape = `\\u${code.slice(2)}`;
  return [
    `${name} (${code}); YAML does not allow it in a file`,
    `spec files are text: remove it, or write it as an escape in double quotes ("${escape}")`,
  ];
}
