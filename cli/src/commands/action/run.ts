import { writeFile } from 'node:fs/promises';
import { failCommand } from '../../lib/author/fail.js';
import { Args, Command, Flags } from '@oclif/core';
import { ActionLoadError } from '../../lib/author/load-action.js';
import { ParamError } from '../../lib/author/params.js';
import { formatRunSummary, runActionLocally } from '../../lib/author/run-local.js';

export default class ActionRun extends Command {
  static override description =
    'Run an action locally under caravan-agent: prints its masked log, its outputs and the report';

  static override examples = [
    '<%= config.bin %> action run . --with who=Ada',
    '<%= config.bin %> action run ./deploy --with env=staging --secret API_TOKEN',
    '<%= config.bin %> action run . --json > report.json',
  ];

  static override args = {
    dir: Args.string({ description: 'the action folder (with action.yml)', default: '.' }),
  };

  static override flags = {
    with: Flags.string({
      char: 'w',
      description: 'an input, name=value (repeat for more)',
      multiple: true,
      default: [],
    }),
    secret: Flags.string({
      char: 's',
      description: 'a secret, NAME=value or NAME to take it from the environment (repeat for more)',
      multiple: true,
      default: [],
    }),
    workdir: Flags.string({ description: 'the working directory of the step (default: the current directory)' }),
    report: Flags.string({ description: 'also write the report as JSON to this file' }),
    json: Flags.boolean({ description: 'print the report as JSON instead of the summary' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionRun);
    let result;
    try {
      result = await runActionLocally({
        dir: args.dir,
        with: flags.with,
        secrets: flags.secret,
        workdir: flags.workdir,
      });
    } catch (err) {
      if (err instanceof ParamError || err instanceof ActionLoadError) failCommand(this, err.message, 2);
      failCommand(this, (err as Error).message, 1);
    }
    for (const w of result.warnings) this.warn(w);
    if (flags.report) await writeFile(flags.report, `${JSON.stringify(result.report, null, 2)}\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else process.stdout.write(formatRunSummary(result.report));
    if (result.exitCode !== 0) this.exit(result.exitCode);
  }
}
