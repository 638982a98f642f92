import { parseVersionRef } from '@caravan/registry';
import { CaravanCommand, registryFlags } from '../../lib/base-command.js';
import { versionRefArg, withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionYank extends CaravanCommand {
  static override description = 'Yank a version: ranges and tags stop resolving to it; exact pins still work';
  static override examples = ['<%= config.bin %> action yank acme/lint@1.2.0'];
  static override args = { ref: versionRefArg };
  static override flags = { ...registryFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionYank);
    const { name, version } = parseVersionRef(args.ref);
    await withRegistry(registryConfig(flags), (client) => client.yank(name, version));
    this.log(`${name}@${version} yanked`);
  }
}
