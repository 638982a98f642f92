/**
 * Turns a parsed YAML document into plain data, the way `Document.toJS` would, but with hostile input in mind:
 *
 * - every node of the document is visited once; an alias reuses the value of its anchor (shared, not copied), and
 *   adds the anchor's *expanded* size to a running count, so a billion laughs costs as much as its few lines;
 * - the count of values and of text after expansion, and the nesting depth after expansion, have limits; the
 *   issue points at the alias (or value) where the file goes over;
 * - keys are text (no lists, mappings or nulls as keys, no `__proto__`), unique, and numbers are finite.
 *
 * The `yaml` library's own `toJS` bounds only how often an anchor is used, not how far it expands, and resolves
 * each alias by scanning the document again (quadratic in the number of aliases).
 */
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Alias,
  type Node,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { issueAt } from './issue-at.js';
import type { SpecIssue } from './issues.js';
import {
  formatCount,
  formatSize,
  HOSTILE_HINT,
  MAX_EXPANDED_NODES,
  MAX_EXPANDED_TEXT,
  MAX_NESTING_DEPTH,
  tooDeep,
} from './yaml-limits.js';

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

export interface BuildResult {
  data: unknown;
  errors: SpecIssue[];
  warnings: SpecIssue[];
  stats: ExpansionStats;
  /** The anchored node each alias stands for. */
  targets: Map<Alias, Node>;
}

type Position = (offset: number) => { line: number; col: number };

interface Built {
  value: unknown;
  nodes: number;
  text: number;
  /** Mappings and lists from this value down. */
  height: number;
}

const NOTHING: Built = { value: null, nodes: 0, text: 0, height: 0 };
/** Problems of one kind after which the rest are summed up in one line. */
const MAX_REPORTED = 10;

export function buildData(contents: unknown, file: string, position: Position): BuildResult {
  const builder = new Builder(file, position);
  const { value } = builder.node(contents, 0);
  builder.finish();
  return {
    data: value,
    errors: builder.errors,
    warnings: builder.warnings,
    stats: builder.stats,
    targets: builder.targets,
  };
}

class Builder {
  readonly targets = new Map<Alias, Node>();
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];
  readonly stats: ExpansionStats = { visited: 0, aliases: 0, nodes: 0, text: 0, depth: 0, merged: 0 };
  /** The latest node with each anchor, in document order: the one an alias names. */
  private readonly anchors = new Map<string, Node>();
  /** Anchored nodes and what they expand to, once built. */
  private readonly built = new Map<Node, Built>();
  /** Anchored nodes being built: an alias to one of these is inside its own anchor. */
  private readonly open = new Set<Node>();
  /** Where the expansion first went over a limit. */
  private over?: { offset: number; alias?: string; nodes: number; text: number; byText: boolean };
  /** Aliases with no anchor before them; reported at the end, when every anchor of the file is known. */
  private readonly unresolved: Alias[] = [];
  /** A too-deep value was skipped, so an anchor inside it is unknown: its aliases are not reported. */
  private skipped = false;
  /** Only the first value that is too deep is reported: the others mostly build on it. */
  private deep = false;
  private unreported = 0;
  private firstUnreported?: number;

  constructor(
    private readonly file: string,
    private readonly position: Position,
  ) {}

  node(node: unknown, depth: number): Built {
    if (isAlias(node)) return this.alias(node, depth);
    if (!isNode(node)) return NOTHING;
    this.stats.visited++;
    const anchor = node.anchor;
    if (anchor) {
      this.anchors.set(anchor, node);
      this.open.add(node);
    }
    let result: Built;
    if (isScalar(node)) {
      result = this.scalar(node);
    } else if (isMap(node) || isSeq(node)) {
      this.count(1, 0, start(node));
      if (depth + 1 > MAX_NESTING_DEPTH) {
        this.skipped = true;
        if (!this.deep) this.report(start(node), (line, col) => tooDeep(this.file, line, col));
        this.deep = true;
        result = { ...NOTHING, nodes: 1 };
      } else {
        result = isMap(node) ? this.map(node, depth) : this.seq(node, depth);
      }
    } else {
      result = NOTHING;
    }
    this.stats.depth = Math.max(this.stats.depth, depth + result.height);
    if (anchor) {
      this.open.delete(node);
      this.built.set(node, result);
    }
    return result;
  }

  private alias(alias: Alias, depth: number): Built {
    this.stats.aliases++;
    const at = start(alias);
    const target = this.anchors.get(alias.source);
    if (!target) {
      if (!this.skipped) this.unresolved.push(alias);
      return NOTHING;
    }
    this.targets.set(alias, target);
    if (this.open.has(target)) {
      const { line } = this.position(start(target));
      this.report(at, (l, c) =>
        issueAt(
          this.file,
          l,
          c,
          `alias *${alias.source} is inside the value it names (&${alias.source} on line ${line}), so it never ends`,
          'remove the alias, or anchor a smaller value',
        ),
      );
      return NOTHING;
    }
    const built = this.built.get(target) ?? NOTHING;
    this.count(built.nodes, built.text, at, alias.source);
    if (depth + built.height > MAX_NESTING_DEPTH && !this.deep) {
      this.deep = true;
      this.report(at, (line, col) => tooDeep(this.file, line, col, `alias *${alias.source} here puts values that are`));
    }
    this.stats.depth = Math.max(this.stats.depth, depth + built.height);
    return built;
  }

  private scalar(node: Scalar): Built {
    const at = start(node);
    let value = node.value;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      this.report(at, (line, col) =>
        issueAt(
          this.file,
          line,
          col,
          `${node.source ?? String(value)} is read as ${String(value)}, which is not a number a spec can hold`,
          'quote it if it is text, or write a finite number',
        ),
      );
    } else if (
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      /^[-+]?(?:0x[0-9a-f]+|0o[0-7]+|[0-9]+)$/i.test(node.source ?? '')
    ) {
      const { line, col } = this.position(at);
      this.warnings.push({
        ...issueAt(
          this.file,
          line,
          col,
          `${node.source} is beyond 2^53 and is read as ${String(value)}`,
          `quote it to keep every digit: "${node.source}"`,
        ),
        severity: 'warning',
      });
    } else if (typeof value === 'symbol') {
      value = value.description ?? '';
    } else if (value !== null && typeof value === 'object') {
      this.report(at, (line, col) =>
        issueAt(this.file, line, col, 'this YAML type is not supported in spec files', 'write plain text or a number'),
      );
      value = null;
    }
    const text = typeof value === 'string' ? value.length : 0;
    this.count(1, text, at);
    return { value, nodes: 1, text, height: 0 };
  }

  private seq(node: YAMLSeq, depth: number): Built {
    const list: unknown[] = [];
    const sum: Built = { value: list, nodes: 1, text: 0, height: 1 };
    for (const item of node.items) list.push(this.add(sum, this.node(item, depth + 1)));
    return sum;
  }

  private map(node: YAMLMap, depth: number): Built {
    const object: Record<string, unknown> = {};
    const sum: Built = { value: object, nodes: 1, text: 0, height: 1 };
    const seen = new Map<string, Node>();
    for (const pair of node.items) {
      const key = this.add(sum, this.node(pair.key, depth + 1));
      const value = this.add(sum, this.node(pair.value, depth + 1));
      if (isMergeKey(pair.key)) {
        this.merge(object, pair.key, pair.value, value);
        continue;
      }
      const name = this.keyName(pair.key, key, pair.value ?? node);
      if (name === undefined) continue;
      const first = seen.get(name);
      if (first) {
        const { line } = this.position(start(first));
        this.report(start(pair.key), (l, c) =>
          issueAt(
            this.file,
            l,
            c,
            `duplicate key "${name}" (first on line ${line})`,
            'keep one of them: YAML mappings have unique keys',
          ),
        );
        continue;
      }
      seen.set(name, pair.key as Node);
      object[name] = value;
    }
    return sum;
  }

  /** Adds a child's size to its parent's and gives back the child's value. */
  private add(parent: Built, child: Built): unknown {
    parent.nodes += child.nodes;
    parent.text += child.text;
    parent.height = Math.max(parent.height, child.height + 1);
    return child.value;
  }

  /** The text a key stands for, or undefined (and an issue) when it is not one. */
  private keyName(keyNode: unknown, key: unknown, owner: unknown): string | undefined {
    const at = isNode(keyNode) || isAlias(keyNode) ? start(keyNode) : start(owner);
    let problem: [string, string] | undefined;
    if (key === null || key === undefined)
      problem = [
        'a key is missing (or is null)',
        'write a name before the colon; quote it ("null", "~") if that is the name',
      ];
    else if (Array.isArray(key) || typeof key === 'object')
      problem = [
        `a key must be text, not ${Array.isArray(key) ? 'a list' : 'a mapping'}`,
        'write the key as plain text',
      ];
    else if (String(key) === '__proto__')
      problem = ['the key __proto__ is not allowed', 'rename it: JavaScript reads __proto__ as an object’s prototype'];
    if (problem) {
      const [message, hint] = problem;
      this.report(at, (line, col) => issueAt(this.file, line, col, message, hint));
      return undefined;
    }
    return String(key);
  }

  /** `<<: *base` or `<<: [*a, *b]`: keys of the mappings not already set; earlier sources win. */
  private merge(object: Record<string, unknown>, key: unknown, valueNode: unknown, value: unknown): void {
    const list = isAlias(valueNode) ? this.targets.get(valueNode) : valueNode;
    const sources: Array<[unknown, unknown]> =
      isSeq(list) && Array.isArray(value) ? list.items.map((item, i) => [item, value[i]]) : [[valueNode, value]];
    for (const [node, source] of sources) {
      const resolved = isAlias(node) ? this.targets.get(node) : node;
      if (isAlias(node) && !resolved) continue; // reported as an unknown alias
      if (!isMap(resolved) || typeof source !== 'object' || source === null || Array.isArray(source)) {
        // At the item of a list written here, else at the alias or value of `<<` (or the key, if it has none).
        const at = list === valueNode && (isNode(node) || isAlias(node)) ? node : (valueNode ?? key);
        this.report(start(at), (line, col) =>
          issueAt(
            this.file,
            line,
            col,
            '<< merges a mapping (or a list of mappings) into this one',
            'give << an alias of a mapping, e.g. <<: *defaults',
          ),
        );
        return;
      }
      // Past a limit the file is refused anyway: copying keys would only cost time.
      if (this.over) continue;
      for (const [k, v] of Object.entries(source)) {
        if (Object.hasOwn(object, k)) continue;
        object[k] = v;
        this.stats.merged++;
      }
    }
  }

  private count(nodes: number, text: number, offset: number, alias?: string): void {
    this.stats.nodes += nodes;
    this.stats.text += text;
    if (this.over) return;
    const byText = this.stats.text > MAX_EXPANDED_TEXT;
    if (byText || this.stats.nodes > MAX_EXPANDED_NODES)
      this.over = alias === undefined ? { offset, nodes, text, byText } : { offset, alias, nodes, text, byText };
  }

  private report(offset: number, make: (line: number, col: number) => SpecIssue): void {
    if (this.errors.length >= MAX_REPORTED) {
      this.unreported++;
      this.firstUnreported ??= offset;
      return;
    }
    const { line, col } = this.position(offset);
    this.errors.push(make(line, col));
  }

  finish(): void {
    for (const alias of this.unresolved) {
      const later = this.anchors.get(alias.source);
      const hint = later
        ? `&${alias.source} is defined after it, on line ${this.position(start(later)).line}: an anchor must come first`
        : `define the anchor first: &${alias.source} before the value to reuse`;
      this.report(start(alias), (line, col) =>
        issueAt(this.file, line, col, `alias *${alias.source} names no anchor before it`, hint),
      );
    }
    if (this.over) this.errors.unshift(this.overIssue(this.over));
    if (this.unreported > 0) {
      const { line, col } = this.position(this.firstUnreported ?? 0);
      this.errors.push(
        issueAt(
          this.file,
          line,
          col,
          `${this.unreported} more problem${this.unreported === 1 ? '' : 's'} like these from here on`,
          'fix the ones above and check again',
        ),
      );
    }
  }

  private overIssue(over: NonNullable<Builder['over']>): SpecIssue {
    const { line, col } = this.position(over.offset);
    const { nodes, text, aliases } = this.stats;
    const { byText } = over;
    const size = byText ? `${formatSize(text)} of text` : `${formatCount(nodes)} values`;
    const limit = byText ? formatSize(MAX_EXPANDED_TEXT) : formatCount(MAX_EXPANDED_NODES);
    if (aliases === 0)
      return issueAt(
        this.file,
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
      this.file,
      line,
      col,
      `YAML aliases expand this file to ${size}, over the limit of ${limit}; ${here}`,
      `${HOSTILE_HINT}: remove the alias or write the value out`,
    );
  }
}

function start(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
}

/** A plain `<<` key, which `merge: true` turns into a merge. */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  if (typeof key.value === 'symbol') return true;
  return key.value === '<<' && (!key.type || key.type === 'PLAIN');
}
