import { Args, Command, Flags } from '@oclif/core';
import { callRegistry, parseVersionRef } from '@caravan/registry';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionDeprecate extends Command {
  static override description =
    'Mark a published version deprecated (it still resolves, with a warning); an empty message un-deprecates';
  static override args = { ref: Args.string({ required: true, description: 'NAME@VERSION, e.g. acme/lint@1.2.0' }) };
  static override flags = {
    message: Flags.string({ char: 'm', required: true, description: 'why, and what to use instead' }),
    registry: Flags.string({ description: 'registry URL (default: CARAVAN_REGISTRY, then `caravan login`)' }),
    token: Flags.string({ description: 'token (default: CARAVAN_TOKEN, then `caravan login`)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionDeprecate);
    try {
      const { name, version } = parseVersionRef(args.ref);
      await callRegistry(registryConfig(flags), 'POST', `v1/actions/${name}/-/versions/${version}/deprecate`, {
        message: flags.message,
      });
      this.log(`${name}@${version} ${flags.message === '' ? 'is no longer deprecated' : 'deprecated'}`);
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    }
  }
}
