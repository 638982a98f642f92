import { failCommand } from '../../lib/author/fail.js';
import { Args, Command } from '@oclif/core';
import { ActionTestError, runActionTests } from '../../lib/author/run-tests.js';

export default class ActionTest extends Command {
  static override description =
    "Run an action folder's tests (npm test), with CARAVAN_AGENT pointing at this caravan's agent";

  static override examples = ['<%= config.bin %> action test', '<%= config.bin %> action test ./greet'];

  static override args = {
    dir: Args.string({ description: 'the action folder (with package.json)', default: '.' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ActionTest);
    let code: number;
    try {
      code = await runActionTests(args.dir);
    } catch (err) {
      if (err instanceof ActionTestError) failCommand(this, err.message, 2);
      throw err;
    }
    if (code !== 0) this.exit(code);
  }
}
