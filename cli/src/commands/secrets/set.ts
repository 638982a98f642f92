import { Args, Flags } from '@oclif/core';
import { SecretKeyError, SecretsError } from '@caravan/engine';
import { CaravanCommand } from '../../lib/base-command.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';
import { dataFlag, openLocalSecrets, pipelineFlag, readSecretValue } from '../../lib/engine/secret-flags.js';

export default class SecretsSet extends CaravanCommand {
  static override description =
    'Store a secret for ${{ secrets.NAME }}, encrypted at rest; the value is read from stdin or --from-file, never from an argument';

  static override examples = [
    'printf %s "$DEPLOY_TOKEN" | <%= config.bin %> secrets set DEPLOY_TOKEN',
    '<%= config.bin %> secrets set DEPLOY_TOKEN --pipeline nightly --from-file token.txt',
  ];

  static override args = { name: Args.string({ description: 'the secret name', required: true }) };

  static override flags = {
    ...pipelineFlag,
    'from-file': Flags.string({ description: 'read the value from this file (one trailing newline is dropped)' }),
    ...dataFlag,
    ...serverFlag,
  };

  protected override errorKind(err: unknown) {
    return err instanceof SecretsError || err instanceof SecretKeyError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecretsSet);
    const value = await readSecretValue(flags['from-file']);
    const level = flags.pipeline ? `pipeline ${flags.pipeline}` : 'server level';
    const client = serverClient(flags);
    if (client) {
      await client.json('PUT', `/v1/secrets/${encodeURIComponent(args.name)}`, {
        value,
        ...(flags.pipeline ? { pipeline: flags.pipeline } : {}),
      });
    } else {
      const store = openLocalSecrets(flags.data);
      try {
        store.set(args.name, value, flags.pipeline);
      } finally {
        store.close();
      }
    }
    this.log(`stored ${args.name} (${level})`);
  }
}
