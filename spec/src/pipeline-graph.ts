/** Graph checks over step dependencies: cycles and ancestors. */

/** Each cycle once, as the path of ids that closes on itself (`a → b → a`), in a stable order. */
export function findCycles(order: string[], needs: ReadonlyMap<string, readonly string[]>): string[][] {
  const components = stronglyConnected(order, needs);
  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const first = order.find((id) => members.has(id)) as string;
    const selfLoop = needs.get(first)?.includes(first) ?? false;
    if (component.length === 1 && !selfLoop) continue;
    cycles.push(selfLoop && component.length === 1 ? [first, first] : cycleThrough(first, members, needs));
  }
  return cycles;
}

/** Tarjan's algorithm, iterative so that long chains cannot exhaust the stack. */
function stronglyConnected(order: string[], needs: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  let counter = 0;
  for (const root of order) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: string; next: number };
      const edges = (needs.get(frame.id) ?? []).filter((n) => needs.has(n));
      if (frame.next < edges.length) {
        const to = edges[frame.next++] as string;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        result.push(component);
      }
    }
  }
  return result;
}

/** A shortest path from `start` back to itself inside one strongly connected component. */
function cycleThrough(start: string, members: Set<string>, needs: ReadonlyMap<string, readonly string[]>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const to of needs.get(id) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at: string | undefined = id; at !== undefined && at !== start; at = previous.get(at))
          path.splice(1, 0, at);
        path.push(start);
        return path;
      }
      if (!previous.has(to)) {
        previous.set(to, id);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/** Every step each step depends on, directly or not (cycles are tolerated). */
export function ancestors(needs: ReadonlyMap<string, readonly string[]>): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const id of needs.keys()) {
    const seen = new Set<string>();
    const pending = [...(needs.get(id) ?? [])];
    while (pending.length > 0) {
      const next = pending.pop() as string;
      if (seen.has(next) || !needs.has(next)) continue;
      seen.add(next);
      // A finished set is complete: take it whole instead of walking that part of the graph again.
      const known = result.get(next);
      if (known) for (const a of known) seen.add(a);
      else pending.push(...(needs.get(next) ?? []));
    }
    result.set(id, seen);
  }
  return result;
}
