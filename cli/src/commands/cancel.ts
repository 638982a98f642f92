import { Args } from '@oclif/core';
import { openStore } from '../lib/engine/open.js';
import { serverClient, serverFlag } from '../lib/engine/server-client.js';
import { cancelRun } from '@caravan/engine';
import { CaravanCommand, FailedError, UsageError } from '../lib/base-command.js';

export default class Cancel extends CaravanCommand {
  static override description =
    'Cancel a run: the engine driving it stops its running steps; a run without a live engine is cancelled at once';

  static override args = { id: Args.string({ description: 'the run id', required: true }) };

  static override flags = { ...serverFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Cancel);
    const client = serverClient(flags);
    if (client) {
      const answer = await client.json<{ message: string }>('POST', `/v1/runs/${encodeURIComponent(args.id)}/cancel`);
      this.log(answer.message);
      return;
    }
    const store = await openStore();
    try {
      if (!(await store.getRun(args.id))) throw new UsageError(`no run ${args.id}: see caravan runs list`);
      const outcome = await cancelRun(store, args.id);
      if (!outcome.ok) throw new FailedError(outcome.message); // it already ended
      this.log(outcome.message);
    } finally {
      await store.close();
    }
  }
}
