import { Args, Command } from '@oclif/core';
import { openStore } from '../lib/engine/open.js';
import { cancelRun } from '../lib/engine/cancel.js';

export default class Cancel extends Command {
  static override description =
    'Cancel a run: the engine driving it stops its running steps; a run without a live engine is cancelled at once';

  static override args = { id: Args.string({ description: 'the run id', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Cancel);
    const store = await openStore();
    try {
      const outcome = await cancelRun(store, args.id);
      process.stdout.write(`${outcome.message}\n`);
      if (!outcome.ok) process.exitCode = 1;
    } finally {
      await store.close();
    }
  }
}
