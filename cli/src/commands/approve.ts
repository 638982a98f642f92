import { Args, Command, Flags } from '@oclif/core';
import { writeApproval } from '@caravan/engine';
import { caravanHome } from '@caravan/engine';

export default class Approve extends Command {
  static override description = 'Approve (or --reject) a step waiting in caravan/approval';

  static override examples = [
    '<%= config.bin %> approve RUN deploy --comment "checked the diff"',
    '<%= config.bin %> approve RUN deploy --reject',
  ];

  static override args = {
    run: Args.string({ description: 'the run id', required: true }),
    step: Args.string({ description: 'the step id waiting for approval', required: true }),
  };

  static override flags = {
    reject: Flags.boolean({ description: 'reject instead of approve' }),
    comment: Flags.string({ description: 'a comment kept with the decision' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Approve);
    try {
      const { path, approval } = writeApproval(caravanHome(), args.run, args.step, {
        reject: flags.reject,
        comment: flags.comment,
      });
      process.stdout.write(`${approval.decision} ${args.run} ${args.step} (${path})\n`);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
