import { Args, Flags } from '@oclif/core';
import { caravanHome, createToken, ROLES, ServerStore, serverStorePath } from '@caravan/engine';
import { CaravanCommand } from '../../../lib/base-command.js';

export default class ServerTokenCreate extends CaravanCommand {
  static override description = 'Create an API token for caravan server; it is printed once and stored hashed';

  static override args = { name: Args.string({ description: 'a name for the token', required: true }) };

  static override flags = {
    role: Flags.string({ description: 'what the token may do', options: [...ROLES], default: 'viewer' }),
    data: Flags.string({ description: "the server's data dir (default $CARAVAN_HOME)" }),
  };

  protected override errorKind() {
    return 'usage' as const;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ServerTokenCreate);
    const store = new ServerStore(serverStorePath(flags.data ?? caravanHome()));
    try {
      const token = createToken(store, args.name, flags.role);
      process.stderr.write(`token "${args.name}" (${flags.role}); it is not shown again:\n`);
      process.stdout.write(`${token}\n`);
    } finally {
      store.close();
    }
  }
}
