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
import { BuildIssues, startOf, type Position } from './yaml-build-issues.js';
import { Expansion, type ExpansionStats } from './yaml-expansion.js';
import { isMergeKey, keyName, mergeInto } from './yaml-keys.js';
import { MAX_NESTING_DEPTH, tooDeep } from './yaml-limits.js';
import { scalarValue } from './yaml-scalar.js';

export interface BuildResult {
  data: unknown;
  errors: SpecIssue[];
  warnings: SpecIssue[];
  stats: ExpansionStats;
  /** The anchored node each alias stands for. */
  targets: Map<Alias, Node>;
}

interface Built {
  value: unknown;
  nodes: number;
  text: number;
  /** Mappings and lists from this value down. */
  height: number;
}

const NOTHING: Built = { value: null, nodes: 0, text: 0, height: 0 };

export function buildData(contents: unknown, file: string, position: Position): BuildResult {
  const builder = new Builder(file, position);
  const { value } = builder.node(contents, 0);
  builder.finish();
  return {
    data: value,
    errors: builder.issues.errors,
    warnings: builder.issues.warnings,
    stats: builder.expansion.stats,
    targets: builder.targets,
  };
}

class Builder {
  readonly targets = new Map<Alias, Node>();
  readonly issues: BuildIssues;
  readonly expansion = new Expansion();
  private readonly stats = this.expansion.stats;
  /** The latest node with each anchor, in document order: the one an alias names. */
  private readonly anchors = new Map<string, Node>();
  /** Anchored nodes and what they expand to, once built. */
  private readonly built = new Map<Node, Built>();
  /** Anchored nodes being built: an alias to one of these is inside its own anchor. */
  private readonly open = new Set<Node>();
  /** Aliases with no anchor before them; reported at the end, when every anchor of the file is known. */
  private readonly unresolved: Alias[] = [];
  /** A too-deep value was skipped, so an anchor inside it is unknown: its aliases are not reported. */
  private skipped = false;
  /** Only the first value that is too deep is reported: the others mostly build on it. */
  private deep = false;

  constructor(
    private readonly file: string,
    private readonly position: Position,
  ) {
    this.issues = new BuildIssues(file, position);
  }

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
      this.count(1, 0, startOf(node));
      if (depth + 1 > MAX_NESTING_DEPTH) {
        this.skipped = true;
        if (!this.deep) this.report(startOf(node), (line, col) => tooDeep(this.file, line, col));
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
    const at = startOf(alias);
    const target = this.anchors.get(alias.source);
    if (!target) {
      if (!this.skipped) this.unresolved.push(alias);
      return NOTHING;
    }
    this.targets.set(alias, target);
    if (this.open.has(target)) {
      const { line } = this.position(startOf(target));
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
    const value = scalarValue(node, this.issues);
    const text = typeof value === 'string' ? value.length : 0;
    this.count(1, text, startOf(node));
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
        mergeInto(object, pair.key, pair.value, value, this);
        continue;
      }
      const name = keyName(pair.key, key, pair.value ?? node, this.issues);
      if (name === undefined) continue;
      const first = seen.get(name);
      if (first) {
        const { line } = this.position(startOf(first));
        this.report(startOf(pair.key), (l, c) =>
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

  private count(nodes: number, text: number, offset: number, alias?: string): void {
    this.expansion.count(nodes, text, offset, alias);
  }

  private report(offset: number, make: (line: number, col: number) => SpecIssue): void {
    this.issues.report(offset, make);
  }

  finish(): void {
    for (const alias of this.unresolved) {
      const later = this.anchors.get(alias.source);
      const hint = later
        ? `&${alias.source} is defined after it, on line ${this.position(startOf(later)).line}: an anchor must come first`
        : `define the anchor first: &${alias.source} before the value to reuse`;
      this.report(startOf(alias), (line, col) =>
        issueAt(this.file, line, col, `alias *${alias.source} names no anchor before it`, hint),
      );
    }
    const { over } = this.expansion;
    if (over) this.issues.errors.unshift(this.expansion.overIssue(over, this.file, this.position));
    this.issues.summarise();
  }
}
