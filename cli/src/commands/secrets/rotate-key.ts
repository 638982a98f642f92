import { caravanHome, rotateSecretKey, SecretKeyError } from '@caravan/engine';
import { CaravanCommand, UsageError } from '../../lib/base-command.js';
import { dataFlag } from '../../lib/engine/secret-flags.js';
import { serverFlag } from '../../lib/engine/server-client.js';

export default class SecretsRotateKey extends CaravanCommand {
  static override description =
    'Seal every stored secret under a new key, in one transaction: a new random key file, or CARAVAN_NEW_SECRET_KEY when the key comes from CARAVAN_SECRET_KEY';

  static override flags = { ...dataFlag, ...serverFlag };

  protected override errorKind(err: unknown) {
    return err instanceof SecretKeyError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(SecretsRotateKey);
    if (flags.server)
      throw new UsageError('the key is rotated on the server host, on its data dir, with the server stopped', {
        hint: 'there: caravan secrets rotate-key --data <the server data dir>',
      });
    const result = rotateSecretKey(flags.data ?? caravanHome());
    this.log(`resealed ${result.resealed} secret${result.resealed === 1 ? '' : 's'} under the new key`);
    if (result.fromEnv) this.log('now set CARAVAN_SECRET_KEY to the value of CARAVAN_NEW_SECRET_KEY');
    else this.log(`the new key is in ${result.keySource}`);
  }
}
