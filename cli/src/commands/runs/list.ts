import { Flags } from '@oclif/core';
import { openStore } from '../../lib/engine/open.js';
import { duration, table } from '../../lib/engine/format.js';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';

interface ListedRun {
  id: string;
  status: string;
  pipeline: string;
  createdAt: number;
  durationMs?: number;
}

export default class RunsList extends CaravanCommand {
  static override description = 'List pipeline runs, newest first';

  static override flags = {
    limit: Flags.integer({ char: 'n', description: 'how many runs', default: 20, min: 1 }),
    status: Flags.string({ description: 'only runs with this status (with --server)' }),
    label: Flags.string({ description: 'only runs with this label, key=value (with --server)' }),
    ...jsonFlag('the runs'),
    ...serverFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RunsList);
    const client = serverClient(flags);
    if (client) {
      const query = new URLSearchParams({
        limit: String(Math.min(flags.limit, 500)),
        ...(flags.status ? { status: flags.status } : {}),
        ...(flags.label ? { label: flags.label } : {}),
      });
      const { runs } = await client.json<{ runs: ListedRun[] }>('GET', `/v1/runs?${query}`);
      if (flags.json) return this.log(JSON.stringify(runs, null, 2));
      if (runs.length === 0) return this.log('no runs on this server yet');
      const rows = [['RUN', 'STATUS', 'PIPELINE', 'STARTED', 'DURATION']];
      for (const r of runs)
        rows.push([
          r.id,
          r.status,
          r.pipeline,
          new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
          duration(r.durationMs),
        ]);
      return this.log(table(rows));
    }
    const store = await openStore();
    try {
      const runs = await store.listRuns(flags.limit);
      if (flags.json) {
        this.log(
          JSON.stringify(
            runs.map(({ source: _s, pipeline: _p, ...r }) => r),
            null,
            2,
          ),
        );
        return;
      }
      if (runs.length === 0) {
        this.log('no runs yet: start one with caravan run pipeline.yml');
        return;
      }
      const rows = [['RUN', 'STATUS', 'PIPELINE', 'STARTED', 'DURATION']];
      for (const r of runs) {
        rows.push([
          r.id,
          r.status,
          r.pipelineName,
          new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
          duration(r.endedAt !== undefined && r.startedAt !== undefined ? r.endedAt - r.startedAt : undefined),
        ]);
      }
      this.log(table(rows));
    } finally {
      await store.close();
    }
  }
}
