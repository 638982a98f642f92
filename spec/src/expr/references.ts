/** Lists the context paths a template reads, for static checks (e.g. that a step exists). */
import type { ContextName, Expr } from './ast.js';
import { parseCondition } from './condition.js';
import { parseExpression } from './parser.js';
import { splitTemplate } from './template.js';

export interface Reference {
  context: ContextName;
  /** The static part of the path after the context, e.g. `['build', 'outputs', 'tag']`. */
  path: string[];
  /** Offset of the context name in the template. */
  offset: number;
}

/** References in every well-formed `${{ }}` of a template; malformed ones are skipped. */
export function listReferences(template: string): Reference[] {
  const split = splitTemplate(typeof template === 'string' ? template : '');
  if (!split.ok) return [];
  const refs: Reference[] = [];
  for (const part of split.parts) {
    if (part.kind !== 'expr') continue;
    const parsed = parseExpression(part.source);
    if (parsed.ok) collect(parsed.ast, part.offset, refs);
  }
  return refs;
}

/** References in a condition written with or without `${{ }}`. */
export function listConditionReferences(condition: string): Reference[] {
  const parsed = parseCondition(condition);
  if (!parsed.ok) return [];
  const refs: Reference[] = [];
  const base = condition.includes('${{') ? condition.indexOf('${{') + 3 : 0;
  collect(parsed.ast, base, refs);
  return refs;
}

function collect(node: Expr, base: number, refs: Reference[]): void {
  const chain = referenceChain(node);
  if (chain) {
    refs.push({ context: chain.context, path: chain.path, offset: base + chain.offset });
    for (const dynamic of chain.dynamicIndexes) collect(dynamic, base, refs);
    return;
  }
  switch (node.kind) {
    case 'member':
      collect(node.object, base, refs);
      break;
    case 'index':
      collect(node.object, base, refs);
      collect(node.index, base, refs);
      break;
    case 'call':
      for (const arg of node.args) collect(arg, base, refs);
      break;
    case 'not':
      collect(node.operand, base, refs);
      break;
    case 'binary':
      collect(node.left, base, refs);
      collect(node.right, base, refs);
      break;
    default:
      break;
  }
}

/** For `ctx.a['b'].c`: the context and its static path; the path stops at the first computed index. */
function referenceChain(
  node: Expr,
): { context: ContextName; path: string[]; offset: number; dynamicIndexes: Expr[] } | undefined {
  const accessors: Expr[] = [];
  let current = node;
  while (current.kind === 'member' || current.kind === 'index') {
    accessors.unshift(current);
    current = current.object;
  }
  if (current.kind !== 'context') return undefined;
  const path: string[] = [];
  const dynamicIndexes: Expr[] = [];
  let open = true;
  for (const accessor of accessors) {
    if (accessor.kind === 'member') {
      if (open) path.push(accessor.property);
    } else if (accessor.kind === 'index') {
      if (accessor.index.kind === 'literal' && accessor.index.value !== null && open)
        path.push(String(accessor.index.value));
      else {
        open = false;
        dynamicIndexes.push(accessor.index);
      }
    }
  }
  return { context: current.name, path, offset: current.offset, dynamicIndexes };
}
