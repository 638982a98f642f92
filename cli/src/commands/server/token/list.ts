import { Flags } from '@oclif/core';
import { caravanHome, ServerStore, serverStorePath } from '@caravan/engine';
import { CaravanCommand } from '../../../lib/base-command.js';
import { table } from '../../../lib/engine/format.js';

export default class ServerTokenList extends CaravanCommand {
  static override description = 'List the API tokens of caravan server (names and roles; the tokens are never shown)';

  static override flags = {
    data: Flags.string({ description: "the server's data dir (default $CARAVAN_HOME)" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ServerTokenList);
    const store = new ServerStore(serverStorePath(flags.data ?? caravanHome()));
    try {
      const rows = [['NAME', 'ROLE', 'CREATED', 'REVOKED']];
      for (const t of store.listTokens())
        rows.push([
          t.name,
          t.role,
          new Date(t.createdAt).toISOString(),
          t.revokedAt ? new Date(t.revokedAt).toISOString() : '',
        ]);
      this.log(table(rows));
    } finally {
      store.close();
    }
  }
}
