import { Args } from '@oclif/core';
import { CaravanCommand } from '../../lib/base-command.js';
import { requireServer } from '../../lib/engine/pipelines-client.js';
import { serverFlag } from '../../lib/engine/server-client.js';

export default class PipelinesRemove extends CaravanCommand {
  static override description = 'Remove a registered pipeline: its schedules and webhook stop; its runs stay';

  static override args = { name: Args.string({ description: 'the registered name', required: true }) };

  static override flags = { ...serverFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PipelinesRemove);
    await requireServer(flags).json('DELETE', `/v1/pipelines/${encodeURIComponent(args.name)}`);
    this.log(`removed ${args.name}`);
  }
}
