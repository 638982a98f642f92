import { Flags } from '@oclif/core';
import { CaravanCommand, FailedError, UsageError } from '../../lib/base-command.js';
import { AgentImageError, buildAgentImage } from '../../lib/images/agent-image.js';
import { ContainerCliError } from '../../lib/images/container-cli.js';

export default class AgentImage extends CaravanCommand {
  static override description =
    'Build the agent image caravan/agent:<version> (FROM scratch, the portable agent at /caravan) with podman or docker, unless it is up to date';

  static override examples = [
    '<%= config.bin %> agent image',
    '<%= config.bin %> agent image --from dist/agent-portable --tag registry.example.com/caravan/agent:0.1.0',
  ];

  static override flags = {
    from: Flags.string({ description: 'the portable agent folder (default: the one that comes with this caravan)' }),
    tag: Flags.string({ description: 'the image name (default: caravan/agent:<agent version>)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentImage);
    try {
      const { image, built } = buildAgentImage({
        ...(flags.from ? { portableDir: flags.from } : {}),
        ...(flags.tag ? { tag: flags.tag } : {}),
      });
      this.log(built ? `built ${image}` : `${image} is up to date`);
    } catch (err) {
      if (err instanceof ContainerCliError) throw new UsageError(err.message);
      if (err instanceof AgentImageError) throw new FailedError(err.message);
      throw err;
    }
  }
}
