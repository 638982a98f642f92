import { Args, Flags } from '@oclif/core';
import { grant } from '@caravan/registry';
import { CaravanCommand } from '../../lib/base-command.js';
import { dataFlag, withRegistryStore } from '../../lib/registry-store.js';

export default class RegistryGrant extends CaravanCommand {
  static override description =
    'Give a user a role on a scope (org, org/project or ~user); user "*" with --role reader makes a scope public';
  static override examples = [
    '<%= config.bin %> registry grant alice acme --role owner',
    '<%= config.bin %> registry grant bob acme/payments --role publisher',
    "<%= config.bin %> registry grant '*' acme --role reader",
  ];

  static override args = {
    name: Args.string({ required: true, description: 'user name, or * for everyone' }),
    scope: Args.string({ required: true, description: 'acme, acme/payments or ~alice' }),
  };
  static override flags = {
    role: Flags.string({
      required: true,
      options: ['owner', 'publisher', 'reader', 'none'],
      description: 'role to grant (none removes the grant)',
    }),
    ...dataFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryGrant);
    await withRegistryStore(flags.data, (store) =>
      grant(store, args.name, args.scope, flags.role as 'owner' | 'publisher' | 'reader' | 'none'),
    );
    this.log(
      flags.role === 'none'
        ? `removed ${args.name}'s role on ${args.scope}`
        : `${args.name} is now ${flags.role} of ${args.scope}`,
    );
  }
}
