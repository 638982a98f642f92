/** The size of a YAML document after its aliases are expanded: counted as it is built, never materialised. */
import { issueAt } from './issue-at.js';
import type { SpecIssue } from './issues.js';
import type { Position } from './yaml-build-issues.js';
import { formatCount, formatSize, HOSTILE_HINT, MAX_EXPANDED_NODES, MAX_EXPANDED_TEXT } from './yaml-limits.js';

export interface ExpansionStats {
  /** Nodes of the document visited: each once, however often aliases repeat it. */
  visited: number;
  /** Aliases in the document. */
  aliases: number;
  /** Values after aliases are expanded: counted, never built. */
  nodes: number;
  /** Characters of keys and text values after aliases are expanded. */
  text: number;
  /** Deepest nesting of mappings and lists after aliases are expanded. */
  depth: number;
  /** Keys copied by `<<` merges: bounded by MAX_EXPANDED_NODES, since merging stops once a limit is passed. */
  merged: number;
}

/** Where the expansion first went over a limit, and what the value there added. */
interface Overrun {
  offset: number;
  alias?: string;
  nodes: number;
  text: number;
  byText: boolean;
}

export class Expansion {
  readonly stats: ExpansionStats = { visited: 0, aliases: 0, nodes: 0, text: 0, depth: 0, merged: 0 };
  over?: Overrun;

  /** Adds a value's expanded size, written at `offset` (through `alias`, if one). */
  count(nodes: number, text: number, offset: number, alias?: string): void {
    this.stats.nodes += nodes;
    this.stats.text += text;
    if (this.over) return;
    const byText = this.stats.text > MAX_EXPANDED_TEXT;
    if (byText || this.stats.nodes > MAX_EXPANDED_NODES)
      this.over = alias === undefined ? { offset, nodes, text, byText } : { offset, alias, nodes, text, byText };
  }

  /** The issue for the limit passed, pointing where it was passed. */
  overIssue(over: Overrun, file: string, position: Position): SpecIssue {
    const { line, col } = position(over.offset);
    const { nodes, text, aliases } = this.stats;
    const { byText } = over;
    const size = byText ? `${formatSize(text)} of text` : `${formatCount(nodes)} values`;
    const limit = byText ? formatSize(MAX_EXPANDED_TEXT) : formatCount(MAX_EXPANDED_NODES);
    if (aliases === 0)
      return issueAt(
        file,
        line,
        col,
        `the file has ${size}, over the limit of ${limit} (passed here)`,
        `${HOSTILE_HINT}: split the pipeline`,
      );
    const here =
      over.alias === undefined
        ? 'the limit is passed here'
        : `the limit is passed here, where *${over.alias} adds ${byText ? formatSize(over.text) : formatCount(over.nodes)}`;
    return issueAt(
      file,
      line,
      col,
      `YAML aliases expand this file to ${size}, over the limit of ${limit}; ${here}`,
      `${HOSTILE_HINT}: remove the alias or write the value out`,
    );
  }
}
