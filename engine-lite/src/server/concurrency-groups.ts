/**
 * Pipeline-level `concurrency: {group, cancelInProgress}` on the service: at most one run of a group
 * is driven at once; the group's name is evaluated with the run's params.
 */
import { interpolate, toText } from '@caravan/spec';
import type { RunRecord } from '../store/types.js';

/** The run's group, or undefined when its pipeline names none. */
export function groupOf(run: RunRecord): string | undefined {
  const c = run.pipeline.concurrency;
  if (!c) return undefined;
  const r = interpolate(c.group, { params: run.params });
  return r.ok ? toText(r.value) : c.group;
}

/** Which driven run holds each group. */
export class GroupHolders {
  private readonly holders = new Map<string, string>();

  holder(group: string | undefined): string | undefined {
    return group === undefined ? undefined : this.holders.get(group);
  }

  hold(group: string | undefined, runId: string): void {
    if (group !== undefined) this.holders.set(group, runId);
  }

  release(runId: string): void {
    for (const [g, id] of this.holders) if (id === runId) this.holders.delete(g);
  }
}
