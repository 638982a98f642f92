/** Mapping keys in spec files: text only, and `<<` merges of mappings. */
import { isAlias, isMap, isNode, isScalar, isSeq, type Alias, type Node } from 'yaml';
import { issueAt } from './issue-at.js';
import { startOf, type BuildIssues } from './yaml-build-issues.js';
import type { Expansion } from './yaml-expansion.js';

/** The text a key stands for, or undefined (and an issue) when it is not one. */
export function keyName(keyNode: unknown, key: unknown, owner: unknown, issues: BuildIssues): string | undefined {
  const at = isNode(keyNode) || isAlias(keyNode) ? startOf(keyNode) : startOf(owner);
  let problem: [string, string] | undefined;
  if (key === null || key === undefined)
    problem = [
      'a key is missing (or is null)',
      'write a name before the colon; quote it ("null", "~") if that is the name',
    ];
  else if (Array.isArray(key) || typeof key === 'object')
    problem = [`a key must be text, not ${Array.isArray(key) ? 'a list' : 'a mapping'}`, 'write the key as plain text'];
  else if (String(key) === '__proto__')
    problem = ['the key __proto__ is not allowed', 'rename it: JavaScript reads __proto__ as an object’s prototype'];
  if (problem) {
    const [message, hint] = problem;
    issues.report(at, (line, col) => issueAt(issues.file, line, col, message, hint));
    return undefined;
  }
  return String(key);
}

/** A plain `<<` key, which `merge: true` turns into a merge. */
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  if (typeof key.value === 'symbol') return true;
  return key.value === '<<' && (!key.type || key.type === 'PLAIN');
}

/** What a merge needs of the build so far. */
export interface MergeContext {
  /** The anchored node each alias stands for. */
  targets: Map<Alias, Node>;
  issues: BuildIssues;
  expansion: Expansion;
}

/** `<<: *base` or `<<: [*a, *b]`: keys of the mappings not already set; earlier sources win. */
export function mergeInto(
  object: Record<string, unknown>,
  key: unknown,
  valueNode: unknown,
  value: unknown,
  { targets, issues, expansion }: MergeContext,
): void {
  const list = isAlias(valueNode) ? targets.get(valueNode) : valueNode;
  const sources: Array<[unknown, unknown]> =
    isSeq(list) && Array.isArray(value) ? list.items.map((item, i) => [item, value[i]]) : [[valueNode, value]];
  for (const [node, source] of sources) {
    const resolved = isAlias(node) ? targets.get(node) : node;
    if (isAlias(node) && !resolved) continue; // reported as an unknown alias
    if (!isMap(resolved) || typeof source !== 'object' || source === null || Array.isArray(source)) {
      // At the item of a list written here, else at the alias or value of `<<` (or the key, if it has none).
      const at = list === valueNode && (isNode(node) || isAlias(node)) ? node : (valueNode ?? key);
      issues.report(startOf(at), (line, col) =>
        issueAt(
          issues.file,
          line,
          col,
          '<< merges a mapping (or a list of mappings) into this one',
          'give << an alias of a mapping, e.g. <<: *defaults',
        ),
      );
      return;
    }
    // Past a limit the file is refused anyway: copying keys would only cost time.
    if (expansion.over) continue;
    for (const [k, v] of Object.entries(source)) {
      if (Object.hasOwn(object, k)) continue;
      object[k] = v;
      expansion.stats.merged++;
    }
  }
}
