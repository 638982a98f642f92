import { Args } from '@oclif/core';
import { openStore } from '../lib/engine/open.js';
import { CaravanCommand, UsageError } from '../lib/base-command.js';

export default class Logs extends CaravanCommand {
  static override description = 'Print the logs of a run, or of one of its steps (masked as the agent sent them)';

  static override args = {
    id: Args.string({ description: 'the run id', required: true }),
    step: Args.string({ description: 'only this step' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Logs);
    const store = await openStore();
    try {
      const run = await store.getRun(args.id);
      if (!run) throw new UsageError(`no run ${args.id}: see caravan runs list`);
      if (args.step !== undefined && !run.pipeline.steps.some((s) => s.id === args.step))
        throw new UsageError(
          `run ${args.id} has no step "${args.step}" (steps: ${run.pipeline.steps.map((s) => s.id).join(', ')})`,
        );
      const logs = await store.getLogs(run.id, args.step);
      const prefix = args.step === undefined;
      let out = '';
      for (const l of logs) {
        const line = `${prefix ? `[${l.stepId}] ` : ''}${l.stream === 'stderr' ? '! ' : l.stream === 'agent' ? '# ' : ''}${l.text}`;
        out += line.endsWith('\n') ? line : `${line}\n`;
        if (out.length > 64 * 1024) {
          process.stdout.write(out);
          out = '';
        }
      }
      process.stdout.write(out);
    } finally {
      await store.close();
    }
  }
}
