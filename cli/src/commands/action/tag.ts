import { Args, Command, Flags } from '@oclif/core';
import { callRegistry, parseVersionRef } from '@caravan/registry';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionTag extends Command {
  static override description =
    'Point a dist-tag (e.g. latest, beta) at a version (owners only); setting latest pins it until set again';
  static override args = {
    ref: Args.string({ required: true, description: 'NAME@VERSION, e.g. acme/lint@1.2.0' }),
    tag: Args.string({ required: true, description: 'the tag, e.g. latest or beta' }),
  };
  static override flags = {
    registry: Flags.string({ description: 'registry URL (default: CARAVAN_REGISTRY, then `caravan login`)' }),
    token: Flags.string({ description: 'token (default: CARAVAN_TOKEN, then `caravan login`)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionTag);
    try {
      const { name, version } = parseVersionRef(args.ref);
      await callRegistry(
        registryConfig(flags),
        'PUT',
        `v1/actions/${name}/-/dist-tags/${encodeURIComponent(args.tag)}`,
        { version },
      );
      this.log(`${name}@${args.tag} → ${version}`);
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    }
  }
}
