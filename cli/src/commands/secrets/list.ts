import { SecretKeyError } from '@caravan/engine';
import type { StoredSecretInfo } from '@caravan/engine';
import { CaravanCommand } from '../../lib/base-command.js';
import { table } from '../../lib/engine/format.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';
import { dataFlag, openLocalSecrets, pipelineFlag } from '../../lib/engine/secret-flags.js';

export default class SecretsList extends CaravanCommand {
  static override description = 'List stored secrets: names, levels and dates (values are never shown)';

  static override flags = { ...pipelineFlag, ...dataFlag, ...serverFlag };

  protected override errorKind(err: unknown) {
    return err instanceof SecretKeyError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(SecretsList);
    const client = serverClient(flags);
    let secrets: StoredSecretInfo[];
    if (client) {
      const q = flags.pipeline ? `?pipeline=${encodeURIComponent(flags.pipeline)}` : '';
      secrets = (await client.json<{ secrets: StoredSecretInfo[] }>('GET', `/v1/secrets${q}`)).secrets;
    } else {
      const store = openLocalSecrets(flags.data);
      try {
        secrets = store.list(flags.pipeline);
      } finally {
        store.close();
      }
    }
    const rows = [['NAME', 'LEVEL', 'CREATED', 'UPDATED']];
    for (const s of secrets)
      rows.push([
        s.name,
        s.pipeline ? `pipeline ${s.pipeline}` : 'server',
        new Date(s.createdAt).toISOString(),
        new Date(s.updatedAt).toISOString(),
      ]);
    this.log(table(rows));
  }
}
