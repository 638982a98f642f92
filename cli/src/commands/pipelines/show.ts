import { Args } from '@oclif/core';
import { CaravanCommand, jsonFlag } from '../../lib/base-command.js';
import { requireServer, when } from '../../lib/engine/pipelines-client.js';
import type { PipelineDetail } from '../../lib/engine/pipelines-client.js';
import { serverFlag } from '../../lib/engine/server-client.js';

export default class PipelinesShow extends CaravanCommand {
  static override description =
    'Show a registered pipeline: its revision, schedules with their next five fire times, webhook';

  static override args = { name: Args.string({ description: 'the registered name', required: true }) };

  static override flags = { ...jsonFlag('the pipeline'), ...serverFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PipelinesShow);
    const p = await requireServer(flags).json<PipelineDetail>('GET', `/v1/pipelines/${encodeURIComponent(args.name)}`);
    if (flags.json) return this.log(JSON.stringify(p, null, 2));
    const lines = [`${p.name}  revision ${p.revision}  (${p.file}, ${when(p.createdAt)})`];
    if (p.schedules.length === 0) lines.push('schedules: none');
    for (const s of p.schedules) {
      const policy = s.catchUp === 'all' ? `all, at most ${s.maxCatchUp}` : s.catchUp;
      lines.push(`schedule "${s.cron}" (${s.timezone}), catch-up: ${policy}`, '  next:');
      for (const t of s.next) lines.push(`    ${when(t)}`);
    }
    lines.push(
      p.webhook ? `webhook: POST ${p.webhook.path}, signed with the secret ${p.webhook.secret}` : 'webhook: none',
    );
    this.log(lines.join('\n'));
  }
}
