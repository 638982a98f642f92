import { Args, Command, Flags } from '@oclif/core';
import { describeError, parseActionRef, RegistryClient } from '@caravan/registry';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionResolve extends Command {
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
    registry: Flags.string({ description: 'registry URL (default: CARAVAN_REGISTRY, then `caravan login`)' }),
    token: Flags.string({ description: 'token (default: CARAVAN_TOKEN, then `caravan login`)' }),
    json: Flags.boolean({ description: 'print the resolution as JSON', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionResolve);
    let client: RegistryClient | undefined;
    try {
      const { name, range } = parseActionRef(args.ref);
      client = new RegistryClient(registryConfig(flags));
      const resolved = await client.resolve(name, range);
      for (const w of resolved.warnings) process.stderr.write(`warning: ${w}\n`);
      this.log(flags.json ? JSON.stringify(resolved) : `${resolved.name}@${resolved.version} ${resolved.integrity}`);
    } catch (err) {
      this.error(describeError(err), { exit: 1 });
    } finally {
      await client?.close();
    }
  }
}
