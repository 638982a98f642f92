/**
 * A server.db written before queue entries moved to the engine store holds its runs' queue places
 * in table run_meta: at start they are adopted (same owner, priority, labels, order, admitted or
 * not), so an upgraded server still drives the runs it had queued.
 */
import type { EngineStore } from '../store/types.js';
import type { ServerStore } from './server-store.js';

export async function adoptLegacyQueue(server: ServerStore, store: EngineStore, owner: string): Promise<number> {
  const legacy = server.legacyQueue();
  let adopted = 0;
  for (const m of legacy) {
    if (!(await store.getRun(m.runId))) continue;
    const entry = { owner, priority: m.priority, labels: m.labels, ...(m.rerunOf ? { rerunOf: m.rerunOf } : {}) };
    await store.adoptQueueEntry(m.runId, entry, m.admitted);
    adopted++;
  }
  if (legacy.length > 0) server.clearLegacyQueue();
  return adopted;
}
