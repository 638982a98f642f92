import { Args, Command, Flags } from '@oclif/core';
import { defaultDataDir, openStore, revokeTokenById } from '@caravan/registry';

export default class RegistryTokenRevoke extends Command {
  static override description = 'Revoke a token by its id (tok_…); it stops working at once';
  static override args = {
    id: Args.string({ required: true, description: 'token id, as printed when it was created' }),
  };
  static override flags = {
    data: Flags.string({ description: 'data folder of the registry; default $CARAVAN_HOME/registry' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryTokenRevoke);
    const databaseUrl = process.env['CARAVAN_DATABASE_URL'];
    const store = await openStore({ dataDir: flags.data ?? defaultDataDir(), ...(databaseUrl ? { databaseUrl } : {}) });
    try {
      if (!(await revokeTokenById(store, args.id))) this.error(`no active token "${args.id}"`, { exit: 1 });
      this.log(`revoked ${args.id}`);
    } finally {
      await store.close();
    }
  }
}
