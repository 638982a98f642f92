/**
 * `GET /metrics` (prom-client, its own registry): runs by status, queue depth, a histogram of step
 * durations and the executor slots busy now, by executor kind.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineEvent } from '../engine-deps.js';
import type { EngineService } from './service.js';

const DONE = new Set(['success', 'failed', 'timeout', 'cancelled', 'skipped', 'error', 'lost']);

export function serviceMetrics(service: EngineService): Registry {
  const registry = new Registry();
  const runsByStatus = new Gauge({
    name: 'caravan_runs',
    help: 'Runs in the store, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await service.store.countRunsByStatus())) this.set({ status }, n);
    },
  });
  void runsByStatus;
  new Gauge({
    name: 'caravan_queue_depth',
    help: 'Runs waiting in the queue',
    registers: [registry],
    async collect() {
      this.set(await service.queueDepth());
    },
  });
  new Gauge({
    name: 'caravan_executor_slots_busy',
    help: 'Steps running now, by executor kind',
    labelNames: ['executor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of service.slotsInUse) this.set({ executor: kind }, n);
    },
  });
  const durations = new Histogram({
    name: 'caravan_step_duration_seconds',
    help: 'How long step attempts ran',
    labelNames: ['status'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [registry],
  });
  const steps = new Counter({
    name: 'caravan_step_ends_total',
    help: 'Step attempts that ended, by status',
    labelNames: ['status'],
    registers: [registry],
  });
  service.engine.on((e: EngineEvent) => {
    if (e.type !== 'step' || !DONE.has(e.status)) return;
    steps.inc({ status: e.status });
    if (e.startedAt !== undefined && e.endedAt !== undefined)
      durations.observe({ status: e.status }, (e.endedAt - e.startedAt) / 1000);
  });
  return registry;
}
