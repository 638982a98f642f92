import { Args, Flags } from '@oclif/core';
import { parseAssignment } from '@caravan/engine';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';
import { requireServer } from '../../lib/engine/pipelines-client.js';
import { serverFlag } from '../../lib/engine/server-client.js';

export default class PipelinesRun extends CaravanCommand {
  static override description =
    'Start a run of a registered pipeline (its latest revision) on the server; prints the run id';

  static override examples = ['<%= config.bin %> pipelines run nightly --param env=prod'];

  static override args = { name: Args.string({ description: 'the registered name', required: true }) };

  static override flags = {
    param: Flags.string({ char: 'p', description: 'a pipeline parameter, NAME=VALUE (repeatable)', multiple: true }),
    priority: Flags.integer({ description: "the run's place in the queue (default: the pipeline's priority)" }),
    label: Flags.string({ description: 'a label for the run, KEY=VALUE (repeatable)', multiple: true }),
    ...jsonFlag('{id, pipeline, revision}'),
    ...serverFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PipelinesRun);
    const started = await requireServer(flags).json<{ id: string; pipeline: string; revision: number }>(
      'POST',
      `/v1/pipelines/${encodeURIComponent(args.name)}/runs`,
      {
        params: Object.fromEntries((flags.param ?? []).map((p) => parseAssignment(p, '--param'))),
        labels: Object.fromEntries((flags.label ?? []).map((l) => parseAssignment(l, '--label'))),
        ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
      },
    );
    if (flags.json) return this.log(JSON.stringify(started, null, 2));
    this.log(
      `started run ${started.id} of ${started.pipeline} revision ${started.revision}: caravan logs ${started.id} --follow`,
    );
  }
}
