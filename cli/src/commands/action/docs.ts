import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { currentDocsSection, renderActionDocs, updateReadme } from '@caravan/spec';
import { loadActionDir } from '../../lib/author/load-action.js';
import { CaravanCommand, FailedError } from '../../lib/base-command.js';

export default class ActionDocs extends CaravanCommand {
  static override description =
    'Print the README section of an action (inputs, outputs, usage) generated from its action.yml';

  static override examples = [
    '<%= config.bin %> action docs',
    '<%= config.bin %> action docs ./my-action --write',
    '<%= config.bin %> action docs --check',
  ];

  static override args = {
    dir: Args.string({ description: 'the action folder (with action.yml)', default: '.' }),
  };

  static override flags = {
    write: Flags.boolean({ description: 'write the section into README.md (between its markers, or appended)' }),
    check: Flags.boolean({ description: 'exit 1 when README.md is not up to date', exclusive: ['write'] }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionDocs);
    const loaded = await loadActionDir(args.dir);
    const section = renderActionDocs(loaded.spec);
    const readmePath = join(loaded.dir, 'README.md');
    if (!flags.write && !flags.check) {
      process.stdout.write(section);
      return;
    }
    const readme = await readFile(readmePath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    if (flags.check) {
      if (currentDocsSection(readme) !== section)
        throw new FailedError(
          `${readmePath} is out of date with action.yml: run \`caravan action docs ${args.dir} --write\``,
        );
      this.log(`${readmePath} is up to date`);
      return;
    }
    await writeFile(readmePath, updateReadme(readme, section));
    this.log(`wrote the generated section of ${readmePath}`);
  }
}
