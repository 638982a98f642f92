import { Flags } from '@oclif/core';
import { parseVersionRef } from '@caravan/registry';
import { CaravanCommand, registryFlags } from '../../lib/base-command.js';
import { versionRefArg, withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionDeprecate extends CaravanCommand {
  static override description =
    'Mark a published version deprecated (it still resolves, with a warning); an empty message un-deprecates';
  static override examples = ['<%= config.bin %> action deprecate acme/lint@1.2.0 -m "use 2.x"'];
  static override args = { ref: versionRefArg };
  static override flags = {
    message: Flags.string({ char: 'm', required: true, description: 'why, and what to use instead' }),
    ...registryFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionDeprecate);
    const { name, version } = parseVersionRef(args.ref);
    await withRegistry(registryConfig(flags), (client) => client.deprecate(name, version, flags.message));
    this.log(`${name}@${version} ${flags.message === '' ? 'is no longer deprecated' : 'deprecated'}`);
  }
}
