import { Args } from '@oclif/core';
import { runActionTests } from '../../lib/author/run-tests.js';
import { CaravanCommand } from '../../lib/base-command.js';

export default class ActionTest extends CaravanCommand {
  static override description =
    "Run an action folder's tests (npm test), with CARAVAN_AGENT pointing at this caravan's agent";

  static override examples = ['<%= config.bin %> action test', '<%= config.bin %> action test ./greet'];

  static override args = {
    dir: Args.string({ description: 'the action folder (with package.json)', default: '.' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(ActionTest);
    const code = await runActionTests(args.dir); // a folder it cannot test is exit 2 (ActionTestError)
    if (code !== 0) this.exit(code);
  }
}
