/** Follows a run on a server in the foreground, as `driveRun` does a local one: progress, Ctrl-C as cancel. */
import type { EngineEvent } from '@caravan/engine';
import type { StepGraph } from './progress.js';
import { ProgressPrinter } from './progress.js';
import type { RemoteRun } from './remote-run.js';
import type { ServerClient } from './server-client.js';

interface Snapshot {
  id: string;
  status: string;
  attempt: number;
}

/** 0 when the run succeeded, else 1. */
export async function followRemoteRun(
  client: ServerClient,
  runId: string,
  pipeline: StepGraph,
  out: NodeJS.WriteStream = process.stdout,
): Promise<number> {
  const progress = new ProgressPrinter(pipeline, out);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\ncancelling run ${runId} on the server (Ctrl-C again to leave it running there)\n`);
    client
      .json('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`)
      .catch((err: Error) => process.stderr.write(`could not cancel run ${runId}: ${err.message}\n`));
  };
  process.on('SIGINT', onSigint);
  const started = Date.now();
  let status = 'unknown';
  try {
    progress.draw();
    for await (const e of client.events(`/v1/runs/${encodeURIComponent(runId)}/events`)) {
      if (e.event === 'run' || e.event === 'step') progress.onEvent(e.data as EngineEvent);
      // What happened before we listened: the steps that have moved on from queued.
      if (e.event === 'snapshot')
        for (const st of (e.data as { steps?: Snapshot[] }).steps ?? [])
          if (st.status !== 'queued')
            progress.onEvent({
              type: 'step',
              runId,
              stepId: st.id,
              status: st.status,
              attempt: st.attempt,
              ts: Date.now(),
            } as EngineEvent);
      if (e.event === 'end') status = (e.data as { status?: string }).status ?? status;
    }
    progress.finish(runId, status, Date.now() - started);
    const run = await client.json<RemoteRun>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    for (const s of run.steps)
      if (s.error && s.status !== 'success' && s.status !== 'skipped')
        process.stderr.write(`step ${s.id} ${s.status}: ${s.error}\n`);
    return run.status === 'success' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
