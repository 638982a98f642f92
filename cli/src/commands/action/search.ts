import { Args, Flags } from '@oclif/core';
import { CaravanCommand, jsonFlag, registryFlags, UsageError } from '../../lib/base-command.js';
import { searchLines, terminalWidth } from '../../lib/catalog/search-lines.js';
import { withRegistry } from '../../lib/registry.js';
import { registryConfig } from '../../lib/registry-config.js';

export default class ActionSearch extends CaravanCommand {
  static override description =
    "Search the registry's actions you may read: ranked by relevance (name matches first), every word prefix-matched";
  static override examples = [
    '<%= config.bin %> action search git checkout',
    '<%= config.bin %> action search deploy --scope acme --category deploy --limit 5',
    '<%= config.bin %> action search --scope ~alice --json',
  ];
  static override strict = false;
  static override args = {
    words: Args.string({ required: false, description: 'words of the name, description, README or input names' }),
  };
  static override flags = {
    category: Flags.string({ description: 'only actions of this category' }),
    scope: Flags.string({ description: 'only this scope and its projects: acme, acme/payments or ~alice' }),
    limit: Flags.integer({ description: 'at most this many hits (1-100)', default: 20, min: 1, max: 100 }),
    ...jsonFlag('{hits, total}'),
    ...registryFlags,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ActionSearch);
    const q = argv.map(String).join(' ').trim();
    if (q === '' && flags.category === undefined && flags.scope === undefined)
      throw new UsageError('say what to search for', {
        hint: 'give words (caravan action search git checkout), --category or --scope',
      });
    const page = await withRegistry(registryConfig(flags), (client) =>
      client.search({ q, category: flags.category, scope: flags.scope, limit: flags.limit }),
    );
    if (flags.json) {
      this.log(JSON.stringify(page));
      return;
    }
    for (const line of searchLines(page.hits, terminalWidth())) this.log(line);
    if (page.hits.length === 0) process.stderr.write('no action you can read matches\n');
    else if (page.total > page.hits.length)
      process.stderr.write(`${page.hits.length} of ${page.total}; --limit shows more (at most 100)\n`);
  }
}
