import { Flags } from '@oclif/core';
import { collectGarbage, DEFAULT_GC_MIN_AGE_MS, openBlobs } from '@caravan/registry';
import { parseDuration } from '@caravan/spec';
import { CaravanCommand, UsageError } from '../../lib/base-command.js';
import { dataFlag, withRegistryStore } from '../../lib/registry-store.js';

export default class RegistryGc extends CaravanCommand {
  static override description =
    'Remove the tarballs no live version uses any more (deleted versions leave theirs); safe while the registry serves';
  static override examples = [
    '<%= config.bin %> registry gc --dry-run',
    '<%= config.bin %> registry gc --min-age 48h --data /srv/caravan',
  ];

  static override flags = {
    ...dataFlag,
    'min-age': Flags.string({
      description: 'leave unused tarballs younger than this (a publish may be about to use them)',
      default: `${DEFAULT_GC_MIN_AGE_MS / 3_600_000}h`,
    }),
    'dry-run': Flags.boolean({ description: 'list what would be removed, remove nothing' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RegistryGc);
    const minAge = flags['min-age'].trim() === '0' ? 0 : parseDuration(flags['min-age']);
    if (minAge === undefined)
      throw new UsageError(
        `--min-age ${flags['min-age']}: not a duration; use e.g. 30m, 1h or 48h (0: no grace period)`,
      );
    await withRegistryStore(flags.data, async (store, dataDir) => {
      const result = await collectGarbage(store, openBlobs(dataDir), {
        minAgeMs: minAge * 1000,
        dryRun: flags['dry-run'],
      });
      for (const blob of result.removed)
        this.log(`${flags['dry-run'] ? 'would remove' : 'removed'} ${blob.sha256} (${blob.size} bytes)`);
      const bytes = result.removed.reduce((n, b) => n + b.size, 0);
      this.log(
        `${result.removed.length} tarball${result.removed.length === 1 ? '' : 's'} ${flags['dry-run'] ? 'to remove' : 'removed'} (${bytes} bytes); ${result.inUse} in use, ${result.young} unused but younger than ${flags['min-age']}`,
      );
    });
  }
}
