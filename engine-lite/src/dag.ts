/**
 * The DAG of a pipeline's steps from `needs`. Built once per run; checks unknown dependencies and
 * cycles so a bad pipeline fails before anything runs.
 */
import { findCycles } from '@caravan/spec';
export interface DagNode {
  id: string;
  needs: readonly string[];
}

export interface Dag {
  /** Step ids in file order. */
  order: string[];
  /** Index of each step in file order. */
  index: Map<string, number>;
  needs: Map<string, string[]>;
  dependants: Map<string, string[]>;
}

export class DagError extends Error {}

export function buildDag(nodes: readonly DagNode[]): Dag {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (index.has(n.id)) throw new DagError(`step "${n.id}" is defined twice: give each step a unique id`);
    index.set(n.id, i);
  });
  const needs = new Map<string, string[]>();
  const dependants = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const n of nodes) {
    const unique = [...new Set(n.needs)];
    for (const dep of unique) {
      if (dep === n.id) throw new DagError(`step "${n.id}" needs itself: remove "${dep}" from its needs`);
      const list = dependants.get(dep);
      if (!list)
        throw new DagError(
          `step "${n.id}" needs "${dep}", which is not a step of this pipeline (steps: ${[...index.keys()].join(', ')})`,
        );
      list.push(n.id);
    }
    needs.set(n.id, unique);
  }
  const [cycle] = findCycles(
    nodes.map((n) => n.id),
    needs,
  );
  if (cycle)
    throw new DagError(`steps depend on each other in a cycle: ${cycle.join(' → ')}; remove one of these needs`);
  return { order: nodes.map((n) => n.id), index, needs, dependants };
}

/** Every step `id` depends on, directly or not. */
export function ancestors(dag: Dag, id: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(dag.needs.get(id) ?? [])];
  while (todo.length > 0) {
    const dep = todo.pop()!;
    if (seen.has(dep)) continue;
    seen.add(dep);
    todo.push(...(dag.needs.get(dep) ?? []));
  }
  return seen;
}
