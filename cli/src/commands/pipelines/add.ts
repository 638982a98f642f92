import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { CaravanCommand, UsageError, jsonFlag } from '../../lib/base-command.js';
import { requireServer } from '../../lib/engine/pipelines-client.js';
import { serverFlag } from '../../lib/engine/server-client.js';

export default class PipelinesAdd extends CaravanCommand {
  static override description =
    'Register a pipeline on the server (again: a new revision); its schedules and webhook start working';

  static override examples = ['<%= config.bin %> pipelines add examples/nightly/pipeline.yml --name nightly'];

  static override args = { file: Args.string({ description: 'the pipeline.yml', required: true }) };

  static override flags = {
    name: Flags.string({ description: "the name to register it under (default: the pipeline's name:)" }),
    ...jsonFlag('the name, revision and warnings'),
    ...serverFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PipelinesAdd);
    const client = requireServer(flags);
    let pipeline: string;
    try {
      pipeline = await readFile(args.file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read ${args.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        {
          hint: 'pass the path of a pipeline.yml file',
        },
      );
    }
    const added = await client.json<{ name: string; revision: number; warnings: string[] }>('POST', '/v1/pipelines', {
      pipeline,
      file: basename(args.file),
      ...(flags.name ? { name: flags.name } : {}),
    });
    if (flags.json) return this.log(JSON.stringify(added, null, 2));
    for (const w of added.warnings) this.warn(w);
    this.log(`registered ${added.name}, revision ${added.revision}`);
  }
}
