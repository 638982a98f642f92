import { parseVersionRef } from '@caravan/registry';
import { CaravanCommand, registryFlags } from '../../lib/base-command.js';
import { versionRefArg, withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionDelete extends CaravanCommand {
  static override description =
    'Delete a version (owners only); it leaves a tombstone and the version can never be published again';
  static override examples = ['<%= config.bin %> action delete acme/lint@1.2.0'];
  static override args = { ref: versionRefArg };
  static override flags = { ...registryFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionDelete);
    const { name, version } = parseVersionRef(args.ref);
    await withRegistry(registryConfig(flags), (client) => client.delete(name, version));
    this.log(`${name}@${version} deleted (tombstone kept)`);
  }
}
