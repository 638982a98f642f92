import { Args, Flags } from '@oclif/core';
import { rerun } from '@caravan/engine';
import { openEngine } from '../lib/engine/open.js';
import type { RemoteRun } from '../lib/engine/remote-run.js';
import { followRemoteRun } from '../lib/engine/remote-session.js';
import { driveRun } from '../lib/engine/session.js';
import { serverClient, serverFlag } from '../lib/engine/server-client.js';
import { CaravanCommand } from '../lib/base-command.js';
import { engineErrorKind, engineFlags, engineSettings } from '../lib/engine-flags.js';

export default class Rerun extends CaravanCommand {
  static override description =
    "Run an ended run's pipeline again, as a new run linked to it; --failed reuses the outputs and files of its succeeded steps and runs only the rest";

  static override examples = [
    '<%= config.bin %> rerun RUN --failed',
    '<%= config.bin %> rerun RUN --server http://ci:8080',
  ];

  static override args = { id: Args.string({ description: 'the run to rerun', required: true }) };

  static override flags = {
    failed: Flags.boolean({ description: 'run only the steps that did not succeed (and what depends on them)' }),
    ...engineFlags,
    ...serverFlag,
  };

  protected override errorKind(err: unknown) {
    return engineErrorKind(err);
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rerun);
    const settings = engineSettings(flags);
    const client = serverClient(flags);
    if (client) {
      const { id } = await client.json<{ id: string }>('POST', `/v1/runs/${encodeURIComponent(args.id)}/rerun`, {
        failedOnly: !!flags.failed,
        secrets: settings.secrets,
      });
      process.stdout.write(`run ${id} (rerun of ${args.id})\n`);
      const view = await client.json<RemoteRun>('GET', `/v1/runs/${encodeURIComponent(id)}`);
      const code = await followRemoteRun(client, id, view);
      if (code !== 0) this.exit(code);
      return;
    }
    const engine = await openEngine({ ...settings });
    try {
      const run = await rerun(engine, args.id, { failedOnly: !!flags.failed });
      process.stdout.write(`run ${run.id} (rerun of ${args.id})\n`);
      const code = await driveRun(engine, run);
      if (code !== 0) this.exit(code);
    } finally {
      await engine.close();
      await engine.store.close();
    }
  }
}
