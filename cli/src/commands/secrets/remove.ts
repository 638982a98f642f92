import { Args } from '@oclif/core';
import { SecretKeyError } from '@caravan/engine';
import { CaravanCommand, UsageError } from '../../lib/base-command.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';
import { dataFlag, openLocalSecrets, pipelineFlag } from '../../lib/engine/secret-flags.js';

export default class SecretsRemove extends CaravanCommand {
  static override description = 'Remove a stored secret (at server level, or of one pipeline with --pipeline)';

  static override args = { name: Args.string({ description: 'the secret name', required: true }) };

  static override flags = { ...pipelineFlag, ...dataFlag, ...serverFlag };

  protected override errorKind(err: unknown) {
    return err instanceof SecretKeyError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecretsRemove);
    const level = flags.pipeline ? `pipeline ${flags.pipeline}` : 'server level';
    const client = serverClient(flags);
    if (client) {
      const q = flags.pipeline ? `?pipeline=${encodeURIComponent(flags.pipeline)}` : '';
      await client.json('DELETE', `/v1/secrets/${encodeURIComponent(args.name)}${q}`);
    } else {
      const store = openLocalSecrets(flags.data);
      try {
        if (!store.remove(args.name, flags.pipeline))
          throw new UsageError(`no stored secret ${args.name} (${level})`, {
            hint: 'list them with caravan secrets list',
          });
      } finally {
        store.close();
      }
    }
    this.log(`removed ${args.name} (${level})`);
  }
}
