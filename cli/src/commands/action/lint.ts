import { Args } from '@oclif/core';
import { loadActionFile, resolveActionFile } from '@caravan/spec';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';
import { printIssues } from '../../lib/print-issues.js';

export default class ActionLint extends CaravanCommand {
  static override description = 'Check an action.yml: every error with file:line:col and how to fix it';

  static override examples = [
    '<%= config.bin %> action lint',
    '<%= config.bin %> action lint ./my-action',
    '<%= config.bin %> action lint ./my-action/action.yml --json',
  ];

  static override args = {
    dir: Args.string({ description: 'the action folder (with action.yml), or the file itself', default: '.' }),
  };

  static override flags = {
    ...jsonFlag('{ok, file, name, version, errors, warnings} (for editors and CI)'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionLint);
    const file = await resolveActionFile(args.dir);
    const result = await loadActionFile(file);
    if (flags.json) {
      const report = result.ok
        ? {
            ok: true,
            file,
            name: result.value.name,
            version: result.value.version,
            errors: [],
            warnings: result.warnings,
          }
        : { ok: false, file, errors: result.errors, warnings: result.warnings };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (!result.ok) this.exit(1);
      return;
    }
    if (!printIssues(result)) this.exit(1);
    this.log(`ok: ${file} (${result.value.name}@${result.value.version})`);
  }
}
