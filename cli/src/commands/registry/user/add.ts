import { Args, Flags } from '@oclif/core';
import { addUser } from '@caravan/registry';
import { CaravanCommand } from '../../../lib/base-command.js';
import { dataFlag, withRegistryStore } from '../../../lib/registry-store.js';

export default class RegistryUserAdd extends CaravanCommand {
  static override description = 'Add a registry user and print their first token (last line of output; shown once)';
  static override examples = [
    '<%= config.bin %> registry user add alice --data /srv/caravan',
    '<%= config.bin %> registry user add root --admin',
  ];

  static override args = { name: Args.string({ required: true, description: 'user name (a-z, 0-9, ".", "_", "-")' }) };
  static override flags = {
    admin: Flags.boolean({
      description: 'the user administers the whole registry (and may publish under caravan/)',
      default: false,
    }),
    ...dataFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryUserAdd);
    const { id, token } = await withRegistryStore(flags.data, (store) => addUser(store, args.name, flags.admin));
    this.log(
      `added user ${args.name}${flags.admin ? ' (admin)' : ''}; token ${id} (scopes *, publish) — store it now, it is not shown again:`,
    );
    this.log(token);
  }
}
