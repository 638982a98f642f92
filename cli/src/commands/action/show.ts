import { Args } from '@oclif/core';
import { parseActionRef, RegistryError, resolveSpec, type VersionList } from '@caravan/registry';
import { CaravanCommand, jsonFlag, registryFlags, UsageError } from '../../lib/base-command.js';
import { actionView } from '../../lib/catalog/action-view.js';
import { actionViewText } from '../../lib/catalog/action-view-text.js';
import { terminalWidth } from '../../lib/catalog/search-lines.js';
import { withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

function pick(name: string, range: string, list: VersionList): string {
  const candidates = list.versions.map((v) => ({
    version: v.version,
    integrity: v.integrity,
    yanked: v.yanked,
    deleted: false,
  }));
  try {
    return resolveSpec(name, range, candidates, list.distTags).version;
  } catch (err) {
    if (err instanceof RegistryError) throw new UsageError(err.message, err.hint ? { hint: err.hint } : {});
    throw err;
  }
}

export default class ActionShow extends CaravanCommand {
  static override description =
    'Show an action as its page does: description, runtime, inputs and outputs, versions, dist-tags, integrity, publisher, resolutions';
  static override examples = [
    '<%= config.bin %> action show acme/lint',
    '<%= config.bin %> action show acme/lint@^1.2',
    '<%= config.bin %> action show ~alice/tool@beta --json',
  ];
  static override args = {
    ref: Args.string({
      required: true,
      description: 'scope/name@spec (version, range, dist-tag); without @spec, latest',
    }),
  };
  static override flags = {
    ...jsonFlag('the action {name, version, runtime, inputs, outputs, versions, distTags, …}'),
    ...registryFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionShow);
    const { name, range } = parseActionRef(args.ref);
    const view = await withRegistry(registryConfig(flags), async (client) => {
      // Resolved here from the version list, not by the registry: looking at an action is not a resolution to count.
      const list = await client.versions(name);
      const version = pick(name, range, list);
      const [detail, stats] = await Promise.all([client.version(name, version), client.stats(name)]);
      return actionView(detail, list, stats);
    });
    if (flags.json) this.log(JSON.stringify(view));
    else for (const line of actionViewText(view, terminalWidth())) this.log(line);
  }
}
