/**
 * Fires the cron schedules of registered pipelines on the server's clock. Each tick starts at most
 * one run: the tick is claimed in the transaction that stores the run (store/run-claims.ts), so a
 * restart or a second server on the same PostgreSQL cannot fire it again.
 *
 * A tick is on time when the scheduler sees it within GRACE_MS; older ones were missed (no server
 * ran) and follow the schedule's `catchUp`: `none` fires none of them, `latest` the newest one
 * (unless an on-time tick fires anyway), `all` the newest `maxCatchUp`. Ticks are looked for after
 * the newest fired tick of the schedule, or after the revision was registered.
 */
import { fireTimesBetween, nextFireTimes } from '@caravan/spec';
import type { Pipeline, PipelineSchedule } from '@caravan/spec';
import type { Clock } from '../clock.js';
import type { PipelineRevision, PipelineStore } from '../pipelines/pipeline-store.js';
import { parseOrThrow } from '../pipelines/registered-pipelines.js';
import type { RegisteredPipelines } from '../pipelines/registered-pipelines.js';

/** How late a tick may be seen and still count as on time. */
export const GRACE_MS = 60_000;
/** The longest wait between two looks (new registrations are looked at then, or at once when poked). */
export const POLL_MS = 60_000;
/** The most ticks of one schedule fired in one look while the server is up (a stalled event loop). */
const MAX_ON_TIME = 100;

export function ticksToFire(s: PipelineSchedule, after: number, now: number): number[] {
  const due = fireTimesBetween(s, after, now, Math.max(MAX_ON_TIME, s.maxCatchUp));
  const onTime = due.filter((t) => now - t <= GRACE_MS);
  const missed = due.filter((t) => now - t > GRACE_MS);
  if (s.catchUp === 'none') return onTime;
  if (s.catchUp === 'latest') return onTime.length > 0 || missed.length === 0 ? onTime : [missed.at(-1)!];
  return [...missed.slice(-s.maxCatchUp), ...onTime];
}

export interface SchedulerParts {
  pipelines: RegisteredPipelines;
  store: PipelineStore;
  clock: Clock;
  log?: (line: string) => void;
  /** The longest wait between two looks (default POLL_MS). */
  pollMs?: number;
  /** With `concurrency.skipIfBusy`: the run of the tick's group queued or running (overlap.ts). */
  busy?: (pipeline: Pipeline, params: PipelineSchedule['with']) => Promise<string | undefined>;
}

export class Scheduler {
  /** Per `name#index`: the revision looked at and the time up to which its ticks were handled. */
  private readonly cursors = new Map<string, { revision: number; upTo: number }>();
  private cancelTimer?: () => void;
  private looking: Promise<void> = Promise.resolve();
  private stopped = true;

  constructor(private readonly p: SchedulerParts) {}

  start(): Promise<void> {
    this.stopped = false;
    return this.poke();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  /** Looks now (after a registration, or from a test), then waits for the next fire time. */
  poke(): Promise<void> {
    this.looking = this.looking
      .then(() => this.look())
      .catch((err: Error) => this.p.log?.(`scheduler: ${err.message}`));
    return this.looking;
  }

  private async look(): Promise<void> {
    if (this.stopped) return;
    this.cancelTimer?.();
    const now = this.p.clock.now();
    let soonest = now + (this.p.pollMs ?? POLL_MS);
    for (const r of await this.p.pipelines.list()) {
      let schedules: PipelineSchedule[];
      try {
        schedules = parseOrThrow(r.source, r.file).on?.schedule ?? [];
      } catch {
        continue; // stored before a check it now fails; nothing to schedule
      }
      for (const [index, s] of schedules.entries()) {
        await this.fire(r, index, s, now);
        const next = nextFireTimes(s, now, 1)[0];
        if (next !== undefined) soonest = Math.min(soonest, next);
      }
    }
    if (!this.stopped) this.cancelTimer = this.p.clock.setTimer(soonest - now, () => void this.poke());
  }

  private async fire(r: PipelineRevision, index: number, s: PipelineSchedule, now: number): Promise<void> {
    const key = `${r.name}#${index}`;
    let cursor = this.cursors.get(key);
    if (!cursor || cursor.revision !== r.revision) {
      const last = await this.p.store.lastTick(r.name, index);
      cursor = { revision: r.revision, upTo: Math.max(last ?? -Infinity, r.createdAt) };
    }
    for (const tick of ticksToFire(s, cursor.upTo, now)) {
      try {
        const busy = await this.p.busy?.(parseOrThrow(r.source, r.file), s.with);
        if (busy !== undefined) {
          this.p.log?.(
            `schedule ${r.name}#${index}: tick ${new Date(tick).toISOString()} skipped: run ${busy} of its group is busy`,
          );
          continue;
        }
        const run = await this.p.pipelines.start(r, {
          trigger: 'schedule',
          params: s.with,
          claim: { kind: 'tick', pipeline: r.name, schedule: index, tick },
        });
        this.p.log?.(
          run
            ? `schedule ${r.name}#${index}: tick ${new Date(tick).toISOString()} started run ${run.id}`
            : `schedule ${r.name}#${index}: tick ${new Date(tick).toISOString()} was fired by another server`,
        );
      } catch (err) {
        this.p.log?.(
          `schedule ${r.name}#${index}: tick ${new Date(tick).toISOString()} cannot start: ${(err as Error).message}`,
        );
      }
    }
    this.cursors.set(key, { revision: r.revision, upTo: now });
  }
}
