import { Args, Command, Flags } from '@oclif/core';
import { addUser, defaultDataDir, openStore } from '@caravan/registry';

export default class RegistryUserAdd extends Command {
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
    data: Flags.string({ description: 'data folder of the registry; default $CARAVAN_HOME/registry' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryUserAdd);
    const databaseUrl = process.env['CARAVAN_DATABASE_URL'];
    const store = await openStore({ dataDir: flags.data ?? defaultDataDir(), ...(databaseUrl ? { databaseUrl } : {}) });
    try {
      const { id, token } = await addUser(store, args.name, flags.admin);
      this.log(
        `added user ${args.name}${flags.admin ? ' (admin)' : ''}; token ${id} (scopes *, publish) — store it now, it is not shown again:`,
      );
      this.log(token);
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    } finally {
      await store.close();
    }
  }
}
