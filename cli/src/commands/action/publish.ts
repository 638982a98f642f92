import { resolve } from 'node:path';
import { Args } from '@oclif/core';
import { loadActionFile } from '@caravan/spec';
import { formatIssue } from '@caravan/spec';
import type { PublishProgress } from '@caravan/registry';
import { TarballError } from '@caravan/registry';
import { CaravanCommand, jsonFlag, registryFlags } from '../../lib/base-command.js';
import { invalidFileError } from '../../lib/print-issues.js';
import { withRegistry } from '../../lib/registry.js';
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

export default class ActionPublish extends CaravanCommand {
  static override description =
    'Validate action.yml, pack the folder and publish it to the registry (versions are immutable)';
  static override examples = [
    '<%= config.bin %> action publish',
    'CARAVAN_REGISTRY=http://127.0.0.1:4873 CARAVAN_TOKEN=... <%= config.bin %> action publish ./my-action',
  ];
  static override args = { dir: Args.string({ description: 'the action folder (holding action.yml)', default: '.' }) };
  static override flags = {
    ...jsonFlag('{name, version, integrity}'),
    ...registryFlags,
  };

  /** A folder that cannot be packed (too large, a link out of it) is bad input, like an invalid action.yml. */
  protected override errorKind(err: unknown) {
    return err instanceof TarballError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionPublish);
    const dir = resolve(args.dir);
    const loaded = await loadActionFile(dir);
    for (const w of loaded.warnings) process.stderr.write(`${formatIssue(w)}\n`);
    if (!loaded.ok) throw invalidFileError(`${dir} is not a valid action`, loaded.errors);
    const published = await withRegistry(registryConfig(flags), (client) =>
      client.publish(dir, flags.json ? undefined : progressOnTerminal()),
    );
    this.log(
      flags.json
        ? JSON.stringify(published)
        : `published ${published.name}@${published.version} ${published.integrity}`,
    );
  }
}
