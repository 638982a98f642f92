/**
 * `concurrency.skipIfBusy` for schedules: a tick whose concurrency group already has a run queued
 * or running on this server starts nothing. (Queueing and cancelInProgress are the service's own
 * group rules, which scheduled runs follow like any other.)
 */
import { interpolate, toText } from '@caravan/spec';
import type { Pipeline } from '@caravan/spec';
import { resolveParams } from '../params.js';
import type { EngineService } from '../server/service.js';

/** The run of the tick's group queued or running, when the pipeline skips busy ticks; else undefined. */
export async function busyRunOfGroup(
  service: Pick<EngineService, 'runOfGroup'>,
  pipeline: Pipeline,
  params: Record<string, string | number | boolean>,
): Promise<string | undefined> {
  const c = pipeline.concurrency;
  if (!c?.skipIfBusy) return undefined;
  let group: string;
  try {
    const r = interpolate(c.group, { params: resolveParams(pipeline, params) });
    group = r.ok ? toText(r.value) : c.group;
  } catch {
    return undefined; // bad params: the start itself reports them
  }
  return service.runOfGroup(group);
}
