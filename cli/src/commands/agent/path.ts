import { Flags } from '@oclif/core';
import { installedAgent } from '../../lib/agent-location.js';
import { CaravanCommand, FailedError } from '../../lib/base-command.js';

export default class AgentPath extends CaravanCommand {
  static override description =
    'Print the path of the caravan-agent that comes with this caravan: the portable executable when built, else the bundle dist/agent.cjs (run it with node)';

  static override examples = [
    '<%= config.bin %> agent path',
    'CARAVAN_AGENT=$(<%= config.bin %> agent path) npm test',
    '<%= config.bin %> agent path --json',
  ];

  static override flags = {
    json: Flags.boolean({
      description: 'print {"path", "kind"}: kind is portable (an executable) or bundle (node FILE)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentPath);
    const agent = installedAgent();
    if (!agent)
      throw new FailedError('this caravan has no agent built (dist/agent.cjs is missing)', {
        hint: 'build it: npm run build in the caravan checkout (node scripts/build.mjs)',
      });
    this.log(flags.json ? JSON.stringify(agent) : agent.path);
  }
}
