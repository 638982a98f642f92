import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { loadActionFile } from '@caravan/spec';
import { formatIssue } from '@caravan/spec';
import { packAction, TarballError } from '@caravan/registry';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';
import { invalidFileError } from '../../lib/print-issues.js';

/** `acme/payments/deploy` at 1.0.0 → `acme-payments-deploy-1.0.0.tgz`. */
export function tarballFileName(name: string, version: string): string {
  return `${name.replace(/^~/, '').replaceAll('/', '-')}-${version}.tgz`;
}

export default class ActionPack extends CaravanCommand {
  static override description =
    'Pack an action folder into a reproducible <scope>-<name>-<version>.tgz, as `action publish` would upload it';
  static override examples = ['<%= config.bin %> action pack', '<%= config.bin %> action pack ./my-action --out dist'];
  static override args = { dir: Args.string({ description: 'the action folder (holding action.yml)', default: '.' }) };
  static override flags = {
    out: Flags.string({ description: 'folder to write the .tgz into (default: the current folder)' }),
    ...jsonFlag('{file, integrity, sha256, files}'),
  };

  /** A folder that cannot be packed (too large, a link out of it) is bad input, like an invalid action.yml. */
  protected override errorKind(err: unknown) {
    return err instanceof TarballError ? ('usage' as const) : undefined;
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionPack);
    const dir = resolve(args.dir);
    const loaded = await loadActionFile(dir);
    for (const w of loaded.warnings) process.stderr.write(`${formatIssue(w)}\n`);
    if (!loaded.ok) throw invalidFileError(`${dir} is not a valid action`, loaded.errors);
    const packed = await packAction(dir);
    const file = join(resolve(flags.out ?? '.'), tarballFileName(loaded.value.name, loaded.value.version));
    await writeFile(file, packed.tarball);
    if (flags.json) {
      this.log(JSON.stringify({ file, integrity: packed.integrity, sha256: packed.sha256, files: packed.files }));
      return;
    }
    this.log(file);
    this.log(`${packed.files.length} files, ${packed.tarball.length} bytes, ${packed.integrity}`);
  }
}
