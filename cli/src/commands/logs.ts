import { Args, Flags } from '@oclif/core';
import type { EngineStore } from '@caravan/engine';
import { openStore } from '../lib/engine/open.js';
import { formatLogLine } from '../lib/engine/log-lines.js';
import type { LogLine } from '../lib/engine/log-lines.js';
import { serverClient, serverFlag } from '../lib/engine/server-client.js';
import { CaravanCommand, UsageError } from '../lib/base-command.js';

const ENDED = new Set(['success', 'failed', 'cancelled']);
const FOLLOW_POLL_MS = 300;

export default class Logs extends CaravanCommand {
  static override description =
    'Print the logs of a run, or of one of its steps (masked as the agent sent them); --follow streams them until the run ends';

  static override args = {
    id: Args.string({ description: 'the run id', required: true }),
    step: Args.string({ description: 'only this step' }),
  };

  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new lines until the run ends' }),
    ...serverFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const withStep = args.step === undefined;
    const client = serverClient(flags);
    if (client) {
      const query = new URLSearchParams({ ...(args.step ? { step: args.step } : {}), follow: String(!!flags.follow) });
      for await (const e of client.events(`/v1/runs/${encodeURIComponent(args.id)}/logs?${query}`))
        if (e.event === 'log') process.stdout.write(formatLogLine(e.data as LogLine, withStep));
      return;
    }
    const store = await openStore();
    try {
      const run = await store.getRun(args.id);
      if (!run) throw new UsageError(`no run ${args.id}: see caravan runs list`);
      if (args.step !== undefined && !run.pipeline.steps.some((s) => s.id === args.step))
        throw new UsageError(
          `run ${args.id} has no step "${args.step}" (steps: ${run.pipeline.steps.map((s) => s.id).join(', ')})`,
        );
      let sent = 0;
      for (;;) {
        const status = (await store.getRun(run.id))?.status;
        sent = await printFrom(store, run.id, args.step, sent, withStep);
        if (!flags.follow || status === undefined || ENDED.has(status)) return;
        await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      }
    } finally {
      await store.close();
    }
  }
}

/** Prints the lines after the first `sent`; returns how many are printed in all. */
async function printFrom(
  store: EngineStore,
  runId: string,
  step: string | undefined,
  sent: number,
  withStep: boolean,
): Promise<number> {
  const logs = await store.getLogs(runId, step);
  let out = '';
  for (const l of logs.slice(sent)) {
    out += formatLogLine(l, withStep);
    if (out.length > 64 * 1024) {
      process.stdout.write(out);
      out = '';
    }
  }
  process.stdout.write(out);
  return Math.max(sent, logs.length);
}
