import { Args, Flags } from '@oclif/core';
import { writeApproval } from '@caravan/engine';
import { caravanHome } from '@caravan/engine';
import { CaravanCommand, CommandError } from '../lib/base-command.js';
import { serverClient, serverFlag } from '../lib/engine/server-client.js';

export default class Approve extends CaravanCommand {
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
    ...serverFlag,
  };

  /** writeApproval throws a plain Error only for an id it refuses; a file system error carries a code. */
  protected override errorKind(err: unknown) {
    if (err instanceof CommandError) return undefined; // the server client's, with their own kind
    return err instanceof Error && !('code' in err) ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Approve);
    const client = serverClient(flags);
    if (client) {
      const path = `/v1/runs/${encodeURIComponent(args.run)}/steps/${encodeURIComponent(args.step)}/approve`;
      const answer = await client.json<{ decision: string }>('POST', path, {
        reject: !!flags.reject,
        ...(flags.comment ? { comment: flags.comment } : {}),
      });
      process.stdout.write(`${answer.decision} ${args.run} ${args.step} (on ${flags.server})\n`);
      return;
    }
    const { path, approval } = writeApproval(caravanHome(), args.run, args.step, {
      reject: flags.reject,
      comment: flags.comment,
    });
    process.stdout.write(`${approval.decision} ${args.run} ${args.step} (${path})\n`);
  }
}
