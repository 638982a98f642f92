import { Args, Flags } from '@oclif/core';
import { caravanHome, ServerStore, serverStorePath } from '@caravan/engine';
import { CaravanCommand, UsageError } from '../../../lib/base-command.js';

export default class ServerTokenRevoke extends CaravanCommand {
  static override description = 'Revoke an API token of caravan server: it is refused from now on';

  static override args = { name: Args.string({ description: 'the token name', required: true }) };

  static override flags = {
    data: Flags.string({ description: "the server's data dir (default $CARAVAN_HOME)" }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerTokenRevoke);
    const store = new ServerStore(serverStorePath(flags.data ?? caravanHome()));
    try {
      if (!store.revokeToken(args.name, Date.now()))
        throw new UsageError(`no live token "${args.name}"`, { hint: 'list them with caravan server token list' });
      this.log(`revoked ${args.name}`);
    } finally {
      store.close();
    }
  }
}
