import { Args, Command, Flags } from '@oclif/core';
import { callRegistry, parseVersionRef } from '@caravan/registry';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionDelete extends Command {
  static override description =
    'Delete a version (owners only); it leaves a tombstone and the version can never be published again';
  static override args = { ref: Args.string({ required: true, description: 'NAME@VERSION, e.g. acme/lint@1.2.0' }) };
  static override flags = {
    registry: Flags.string({ description: 'registry URL (default: CARAVAN_REGISTRY, then `caravan login`)' }),
    token: Flags.string({ description: 'token (default: CARAVAN_TOKEN, then `caravan login`)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionDelete);
    try {
      const { name, version } = parseVersionRef(args.ref);
      await callRegistry(registryConfig(flags), 'DELETE', `v1/actions/${name}/-/versions/${version}`);
      this.log(`${name}@${version} deleted (tombstone kept)`);
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    }
  }
}
