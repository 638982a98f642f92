import { Args } from '@oclif/core';
import { parseVersionRef } from '@caravan/registry';
import { CaravanCommand, registryFlags } from '../../lib/base-command.js';
import { versionRefArg, withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionTag extends CaravanCommand {
  static override description =
    'Point a dist-tag (e.g. latest, beta) at a version (owners only); setting latest pins it until set again';
  static override examples = ['<%= config.bin %> action tag acme/lint@1.2.0 stable'];
  static override args = {
    ref: versionRefArg,
    tag: Args.string({ required: true, description: 'the tag, e.g. latest or beta' }),
  };
  static override flags = { ...registryFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionTag);
    const { name, version } = parseVersionRef(args.ref);
    await withRegistry(registryConfig(flags), (client) => client.tag(name, args.tag, version));
    this.log(`${name}@${args.tag} → ${version}`);
  }
}
