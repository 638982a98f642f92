import { writeFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { formatRunSummary, runActionLocally } from '../../lib/author/run-local.js';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';

export default class ActionRun extends CaravanCommand {
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
    ...jsonFlag("the agent's report instead of the summary"),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ActionRun);
    // a bad --with, --secret (ParamError) or action.yml (ActionLoadError) is exit 2; after a run, the action's code
    const result = await runActionLocally({
      dir: args.dir,
      with: flags.with,
      secrets: flags.secret,
      workdir: flags.workdir,
    });
    for (const w of result.warnings) this.warn(w);
    if (flags.report) await writeFile(flags.report, `${JSON.stringify(result.report, null, 2)}\n`);
    if (flags.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else process.stdout.write(formatRunSummary(result.report));
    if (result.exitCode !== 0) this.exit(result.exitCode);
  }
}
