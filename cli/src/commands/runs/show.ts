import { Args } from '@oclif/core';
import { openStore } from '../../lib/engine/open.js';
import { duration, STATUS_MARK, table } from '../../lib/engine/format.js';
import { CaravanCommand, jsonFlag, UsageError } from '../../lib/base-command.js';
import type { RemoteRun } from '../../lib/engine/remote-run.js';
import { printRemoteRun } from '../../lib/engine/remote-run.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';

export default class RunsShow extends CaravanCommand {
  static override description =
    'Show a run: its steps with status, attempts, durations, outputs (secrets masked) and errors';

  static override args = { id: Args.string({ description: 'the run id', required: true }) };

  static override flags = { ...jsonFlag('the run with its steps and files'), ...serverFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RunsShow);
    const client = serverClient(flags);
    if (client) {
      const run = await client.json<RemoteRun>('GET', `/v1/runs/${encodeURIComponent(args.id)}`);
      if (flags.json) return this.log(JSON.stringify(run, null, 2));
      return printRemoteRun(run, (line) => this.log(line));
    }
    const store = await openStore();
    try {
      const run = await store.getRun(args.id);
      if (!run) throw new UsageError(`no run ${args.id}: see caravan runs list`);
      const steps = await store.getSteps(run.id);
      const files = await store.getFiles(run.id);
      // Each step's summary ($GITHUB_STEP_SUMMARY, masked), of its last attempt: the event `step.summary`.
      const summaries = new Map<string, string>();
      for (const e of await store.getEvents(run.id)) {
        const { taskId, summary } = e.data as { taskId?: unknown; summary?: unknown };
        if (e.type !== 'step.summary' || typeof summary !== 'string' || e.stepId === undefined) continue;
        if (steps.find((s) => s.stepId === e.stepId)?.taskId === taskId) summaries.set(e.stepId, summary);
      }
      if (flags.json) {
        const { source: _s, pipeline: _p, ...rest } = run;
        const withSummary = steps.map((s) => {
          const summary = summaries.get(s.stepId);
          return summary !== undefined ? { ...s, summary } : s;
        });
        this.log(JSON.stringify({ ...rest, steps: withSummary, files }, null, 2));
        return;
      }
      this.log(
        `run ${run.id}  ${run.status}${run.cancelRequested && run.status !== 'cancelled' ? ' (cancel requested)' : ''}`,
      );
      this.log(
        `pipeline ${run.pipelineName} (${run.file})  executor ${run.executor}  ${duration(run.endedAt !== undefined && run.startedAt !== undefined ? run.endedAt - run.startedAt : undefined)}`,
      );
      if (Object.keys(run.params).length) this.log(`params ${JSON.stringify(run.params)}`);
      if (run.secretNames.length) this.log(`secrets ${run.secretNames.join(', ')} (values never stored)`);
      this.log('');
      const rows = [['', 'STEP', 'STATUS', 'ATTEMPT', 'DURATION', 'ACTION']];
      for (const s of steps) {
        const a = run.actions[s.stepId];
        rows.push([
          STATUS_MARK[s.status] ?? '',
          s.stepId,
          s.status,
          String(s.attempt),
          duration(s.endedAt !== undefined && s.startedAt !== undefined ? s.endedAt - s.startedAt : undefined),
          a ? `${a.name}@${a.version}` : '',
        ]);
      }
      this.log(table(rows));
      for (const s of steps) {
        const outs = Object.entries(s.outputs);
        const stepFiles = files.filter((f) => f.stepId === s.stepId);
        const summary = summaries.get(s.stepId);
        if (!outs.length && !s.error && !stepFiles.length && summary === undefined) continue;
        this.log(`\n${s.stepId}:`);
        for (const [k, v] of outs) this.log(`  output ${k} = ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`);
        for (const f of stepFiles) this.log(`  file ${f.name} (${f.size} bytes, sha256 ${f.sha256.slice(0, 12)})`);
        if (s.error) this.log(`  error: ${s.error}`);
        if (summary !== undefined) {
          this.log('  summary:');
          for (const line of summary.replace(/\n$/, '').split(/\r?\n/)) this.log(`    ${line}`);
        }
      }
    } finally {
      await store.close();
    }
  }
}
