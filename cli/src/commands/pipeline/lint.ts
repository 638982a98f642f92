import { Args, Command, Flags } from '@oclif/core';
import { loadPipelineFile } from '../../../../spec/src/pipeline-parse.js';
import { printIssues } from '../../lib/print-issues.js';

export default class PipelineLint extends Command {
  static override description = 'Check a pipeline.yml: every error with file:line:col and how to fix it';

  static override examples = ['<%= config.bin %> pipeline lint pipeline.yml', '<%= config.bin %> pipeline lint pipeline.yml --json'];

  static override args = {
    file: Args.string({ description: 'the pipeline file', required: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print {ok, file, steps, errors, warnings} as JSON on stdout (for editors and CI)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PipelineLint);
    const result = await loadPipelineFile(args.file);
    if (flags.json) {
      const report = result.ok
        ? { ok: true, file: args.file, steps: result.value.steps.length, errors: [], warnings: result.warnings }
        : { ok: false, file: args.file, errors: result.errors, warnings: result.warnings };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (!result.ok) this.exit(1);
      return;
    }
    if (!printIssues(result)) this.exit(1);
    const count = result.value.steps.length;
    this.log(`ok: ${args.file} (${count} step${count === 1 ? '' : 's'})`);
  }
}
