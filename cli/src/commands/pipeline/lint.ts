import { Args, Flags } from '@oclif/core';
import { withActionChecks } from '../../lib/engine/check-actions.js';
import { loadPipelineFile, unregisteredTriggerWarnings } from '@caravan/spec';
import { CaravanCommand, jsonFlag, registryFlags } from '../../lib/base-command.js';
import { printIssues } from '../../lib/print-issues.js';
import { optionalRegistryConfig } from '../../lib/registry-config.js';
import { registeredLookup } from '../../lib/engine/registered-lookup.js';
import { serverClient, serverFlag } from '../../lib/engine/server-client.js';

export default class PipelineLint extends CaravanCommand {
  static override description =
    'Check a pipeline.yml: every error with file:line:col and how to fix it; then each step against the action it uses (inputs, outputs)';

  static override examples = [
    '<%= config.bin %> pipeline lint pipeline.yml',
    '<%= config.bin %> pipeline lint pipeline.yml --json',
    '<%= config.bin %> pipeline lint pipeline.yml --offline',
    '<%= config.bin %> pipeline lint pipeline.yml --server http://127.0.0.1:8080   # registered names in uses: too',
  ];

  static override args = {
    file: Args.string({ description: 'the pipeline file', required: true }),
  };

  static override flags = {
    ...jsonFlag('{ok, file, steps, errors, warnings} (for editors and CI)'),
    offline: Flags.boolean({
      description:
        'check steps against built-in actions only; skip the others instead of resolving them through the registry',
    }),
    ...registryFlags,
    ...serverFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PipelineLint);
    const registry = flags.offline ? undefined : optionalRegistryConfig(flags);
    // Against a server, nested steps that name a registered pipeline are checked there; offline they are warnings.
    const client = flags.offline ? undefined : serverClient(flags);
    const loaded = await loadPipelineFile(args.file, client ? { registered: registeredLookup(client) } : {});
    const result = await withActionChecks(loaded, { registry, offline: flags.offline });
    if (result.ok) result.warnings.push(...unregisteredTriggerWarnings(result.value, args.file));
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
