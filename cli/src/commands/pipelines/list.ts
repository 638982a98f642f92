import { table } from '../../lib/engine/format.js';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';
import { requireServer, when } from '../../lib/engine/pipelines-client.js';
import { serverFlag } from '../../lib/engine/server-client.js';

export default class PipelinesList extends CaravanCommand {
  static override description = 'List the pipelines registered on the server, with their latest revision';

  static override flags = { ...jsonFlag('the pipelines'), ...serverFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(PipelinesList);
    const { pipelines } = await requireServer(flags).json<{
      pipelines: Array<{ name: string; revision: number; file: string; createdAt: number }>;
    }>('GET', '/v1/pipelines');
    if (flags.json) return this.log(JSON.stringify(pipelines, null, 2));
    if (pipelines.length === 0) return this.log('no pipelines registered: add one with caravan pipelines add FILE');
    const rows = [['NAME', 'REVISION', 'FILE', 'CHANGED']];
    for (const p of pipelines) rows.push([p.name, String(p.revision), p.file, when(p.createdAt)]);
    this.log(table(rows));
  }
}
