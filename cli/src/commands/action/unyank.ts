import { parseVersionRef } from '@caravan/registry';
import { CaravanCommand, registryFlags } from '../../lib/base-command.js';
import { versionRefArg, withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionUnyank extends CaravanCommand {
  static override description = 'Undo a yank';
  static override examples = ['<%= config.bin %> action unyank acme/lint@1.2.0'];
  static override args = { ref: versionRefArg };
  static override flags = { ...registryFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionUnyank);
    const { name, version } = parseVersionRef(args.ref);
    await withRegistry(registryConfig(flags), (client) => client.unyank(name, version));
    this.log(`${name}@${version} unyanked`);
  }
}
