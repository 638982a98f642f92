import { Flags } from '@oclif/core';
import { RegistryClientError } from '@caravan/registry';
import { CaravanCommand, registryFlags, UnavailableError, UsageError } from '../lib/base-command.js';
import { withRegistry } from '../lib/registry.js';
import { registryConfig, saveCredentials } from '../lib/registry-config.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new UsageError('stdin holds more than 64 KB: pipe only the token into `caravan login`');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function askToken(): Promise<string> {
  if (!process.stdin.isTTY) return readStdin();
  const { password } = await import('@inquirer/prompts');
  return (await password({ message: 'Registry token', mask: '*' })).trim();
}

export default class Login extends CaravanCommand {
  static override description =
    'Store a registry token in $CARAVAN_HOME/credentials.json (mode 0600) after checking it with the registry';
  static override examples = [
    'echo "$TOKEN" | <%= config.bin %> login --registry http://127.0.0.1:4873',
    '<%= config.bin %> login --registry https://registry.example.com   # prompts for the token',
  ];
  static override flags = {
    registry: registryFlags.registry,
    token: Flags.string({
      description: 'the token; read from stdin (or prompted for) when omitted, which keeps it out of the shell history',
      helpGroup: 'REGISTRY',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Login);
    const { url } = registryConfig({ registry: flags.registry }, { ...process.env, CARAVAN_TOKEN: '' });
    const token = flags.token?.trim() || (await askToken());
    if (!token)
      throw new UsageError('no token given', {
        hint: 'pass --token, or pipe it into stdin (`echo "$TOKEN" | caravan login`)',
      });
    const me = await withRegistry({ url, token }, (client) =>
      client.whoami().catch((err: unknown) => {
        if (err instanceof RegistryClientError && (err.status === 401 || err.status === 403)) {
          throw new UnavailableError(
            `the registry at ${client.url} refused the token (${err.message}); nothing was stored`,
            {
              hint: 'check the token, or create a new one (`caravan registry token create`)',
              cause: err,
            },
          );
        }
        throw err;
      }),
    );
    const path = saveCredentials(url, token, me.user);
    this.log(`logged in to ${url} as ${me.user}${me.admin ? ' (admin)' : ''}; credentials in ${path}`);
  }
}
