import { caravanHome, rotateSecretKey, SecretKeyError } from '@caravan/engine';
import { CaravanCommand } from '../../lib/base-command.js';
import { dataFlag } from '../../lib/engine/secret-flags.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';

export default class SecretsRotateKey extends CaravanCommand {
  static override description =
    'Seal every stored secret under a new key, in one transaction: a new random key file, or CARAVAN_NEW_SECRET_KEY when the key comes from CARAVAN_SECRET_KEY; with --server, the running server rotates its key file (admin token)';

  static override flags = { ...dataFlag, ...serverFlag };

  protected override errorKind(err: unknown) {
    return err instanceof SecretKeyError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(SecretsRotateKey);
    const client = serverClient(flags);
    if (client) {
      // The running server makes the new key itself; it never crosses the wire.
      const done = await client.json<{ resealed: number; keySource: string }>('POST', '/v1/secrets/rotate-key', {});
      this.log(`resealed ${done.resealed} secret${done.resealed === 1 ? '' : 's'} under the new key`);
      this.log(`the new key is in ${done.keySource} on the server host`);
      return;
    }
    const result = rotateSecretKey(flags.data ?? caravanHome());
    this.log(`resealed ${result.resealed} secret${result.resealed === 1 ? '' : 's'} under the new key`);
    if (result.fromEnv) this.log('now set CARAVAN_SECRET_KEY to the value of CARAVAN_NEW_SECRET_KEY');
    else this.log(`the new key is in ${result.keySource}`);
  }
}
