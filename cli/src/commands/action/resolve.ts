import { Args } from '@oclif/core';
import { parseActionRef } from '@caravan/registry';
import { CaravanCommand, jsonFlag, registryFlags } from '../../lib/base-command.js';
import { withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionResolve extends CaravanCommand {
  static override description =
    'Resolve scope/name@spec (exact version, semver range, dist-tag or sha512-…) to one exact version and its integrity';
  static override examples = [
    '<%= config.bin %> action resolve acme/lint@^1.2',
    '<%= config.bin %> action resolve ~alice/lint@beta --json',
  ];
  static override args = {
    ref: Args.string({ required: true, description: 'scope/name@spec; without @spec, latest' }),
  };
  static override flags = {
    ...jsonFlag('the resolution {name, version, integrity, tarball, warnings}'),
    ...registryFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionResolve);
    const { name, range } = parseActionRef(args.ref);
    const resolved = await withRegistry(registryConfig(flags), (client) => client.resolve(name, range));
    for (const w of resolved.warnings) process.stderr.write(`warning: ${w}\n`);
    this.log(flags.json ? JSON.stringify(resolved) : `${resolved.name}@${resolved.version} ${resolved.integrity}`);
  }
}
