import { resolve } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { loadActionFile } from '@caravan/spec';
import { formatIssue } from '@caravan/spec';
import { describeError, RegistryClient, type PublishProgress } from '@caravan/registry';
import { registryConfig } from '../../lib/registry-config.js';

function progressOnTerminal(): ((p: PublishProgress) => void) | undefined {
  if (!process.stderr.isTTY || process.env.CI) return undefined;
  return (p) => {
    const kb = (p.bytes / 1024).toFixed(1);
    const text =
      p.phase === 'packed' ? `packed ${kb} KB` : p.phase === 'uploading' ? `uploading ${kb} KB…` : `uploaded ${kb} KB`;
    process.stderr.write(`\r\x1b[2K${text}${p.phase === 'done' ? '\n' : ''}`);
  };
}

export default class ActionPublish extends Command {
  static override description =
    'Validate action.yml, pack the folder and publish it to the registry (versions are immutable)';
  static override examples = [
    '<%= config.bin %> action publish',
    'CARAVAN_REGISTRY=http://127.0.0.1:4873 CARAVAN_TOKEN=... <%= config.bin %> action publish ./my-action',
  ];
  static override args = { dir: Args.string({ description: 'the action folder (holding action.yml)', default: '.' }) };
  static override flags = {
    registry: Flags.string({ description: 'registry URL (default: CARAVAN_REGISTRY, then `caravan login`)' }),
    token: Flags.string({ description: 'token (default: CARAVAN_TOKEN, then `caravan login`)' }),
    json: Flags.boolean({ description: 'print {"name","version","integrity"} as JSON', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionPublish);
    const dir = resolve(args.dir);
    const loaded = await loadActionFile(dir);
    for (const w of loaded.warnings) process.stderr.write(`${formatIssue(w)}\n`);
    if (!loaded.ok)
      this.error(`${dir} is not a valid action:\n${loaded.errors.map(formatIssue).join('\n')}`, { exit: 1 });
    let client: RegistryClient | undefined;
    try {
      const config = registryConfig(flags);
      client = new RegistryClient(config);
      const published = await client.publish(dir, flags.json ? undefined : progressOnTerminal());
      this.log(
        flags.json
          ? JSON.stringify(published)
          : `published ${published.name}@${published.version} ${published.integrity}`,
      );
    } catch (err) {
      this.error(describeError(err), { exit: 1 });
    } finally {
      await client?.close();
    }
  }
}
