import { Args, Command, Flags } from '@oclif/core';
import { createTokenFor, defaultDataDir, openStore } from '@caravan/registry';

export default class RegistryTokenCreate extends Command {
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
    data: Flags.string({ description: 'data folder of the registry; default $CARAVAN_HOME/registry' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryTokenCreate);
    const databaseUrl = process.env['CARAVAN_DATABASE_URL'];
    const store = await openStore({ dataDir: flags.data ?? defaultDataDir(), ...(databaseUrl ? { databaseUrl } : {}) });
    try {
      const { id, token } = await createTokenFor(store, args.name, flags.scope, flags.access as 'read' | 'publish');
      this.log(
        `token ${id} for ${args.name} (${flags.access}, scopes ${flags.scope.join(', ')}) — store it now, it is not shown again:`,
      );
      this.log(token);
    } catch (err) {
      this.error((err as Error).message, { exit: 1 });
    } finally {
      await store.close();
    }
  }
}
