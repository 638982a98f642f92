/**
 * The order runs leave the queue in: higher priority first, FIFO (arrival `seq`) within a priority.
 * Pure, so the order is tested without a server; the positions are the store's (server-store.ts).
 */
import type { QueueEntryRecord } from '../store/types.js';

export function queueOrder<T extends Pick<QueueEntryRecord, 'priority' | 'seq'>>(waiting: readonly T[]): T[] {
  return [...waiting].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
}

/** Why the run at `position` (0-based) waits. */
export function waitReason(position: number, running: number, maxRuns: number): string {
  if (running < maxRuns && position === 0) return 'about to start';
  if (running >= maxRuns) return `waiting for a run slot (${running} of ${maxRuns} busy)`;
  return `behind ${position} run${position === 1 ? '' : 's'} of higher or equal priority`;
}
