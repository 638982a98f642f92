import { Args, Flags } from '@oclif/core';
import { createTokenFor } from '@caravan/registry';
import { CaravanCommand } from '../../../lib/base-command.js';
import { dataFlag, withRegistryStore } from '../../../lib/registry-store.js';

export default class RegistryTokenCreate extends CaravanCommand {
  static override description =
    'Create a token for a user, limited to scopes and to read or publish (printed once, as the last line)';
  static override examples = ['<%= config.bin %> registry token create ci-bot --scope acme/payments --access publish'];

  static override args = { name: Args.string({ required: true, description: 'user name' }) };
  static override flags = {
    scope: Flags.string({
      multiple: true,
      default: ['*'],
      description: 'scope prefix the token may touch (repeatable; * for all)',
    }),
    access: Flags.string({ options: ['read', 'publish'], default: 'read' }),
    ...dataFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryTokenCreate);
    const { id, token } = await withRegistryStore(flags.data, (store) =>
      createTokenFor(store, args.name, flags.scope, flags.access as 'read' | 'publish'),
    );
    this.log(
      `token ${id} for ${args.name} (${flags.access}, scopes ${flags.scope.join(', ')}) — store it now, it is not shown again:`,
    );
    this.log(token);
  }
}
