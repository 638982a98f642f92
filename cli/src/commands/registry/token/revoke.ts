import { Args } from '@oclif/core';
import { revokeTokenById } from '@caravan/registry';
import { CaravanCommand, UsageError } from '../../../lib/base-command.js';
import { dataFlag, withRegistryStore } from '../../../lib/registry-store.js';

export default class RegistryTokenRevoke extends CaravanCommand {
  static override description = 'Revoke a token by its id (tok_…); it stops working at once';
  static override args = {
    id: Args.string({ required: true, description: 'token id, as printed when it was created' }),
  };
  static override flags = { ...dataFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RegistryTokenRevoke);
    const revoked = await withRegistryStore(flags.data, (store) => revokeTokenById(store, args.id));
    if (!revoked)
      throw new UsageError(`no active token "${args.id}"`, { hint: 'give the id (tok_…) printed when it was created' });
    this.log(`revoked ${args.id}`);
  }
}
