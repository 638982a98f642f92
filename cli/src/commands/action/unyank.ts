import { Args, Command, Flags } from '@oclif/core';
import { callRegistry, parseVersionRef } from '@caravan/registry';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionUnyank extends Command {
  static override description = 'Undo a yank';
  static override args = { ref: Args.string({ required: true, description: 'NAME@VERSION, e.g. acme/lint@1.2.0' }) };
  static override flags = {
    registry: Flags.string({ description: 'registry URL (default: CARAVAN_REGISTRY, then `caravan login`)' }),
    token: Flags.string({ description: 'token (default: CARAVAN_TOKEN, then `caravan login`)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionUnyank);
    try {
      const { name, version } = parseVersionRef(args.ref);
      await callRegistry(registryConfig(flags), 'POST', `v1/actions/${name}/-/versions/${version}/unyank`);
      this.log(`${name}@${version} unyanked`);
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    }
  }
}
