import { Args } from '@oclif/core';
import { loadNestedPipelines } from '@caravan/spec';
import { caravanHome, localRunSecrets } from '@caravan/engine';
import { openEngine } from '../lib/engine/open.js';
import { driveRun } from '../lib/engine/session.js';
import { CaravanCommand, UsageError } from '../lib/base-command.js';
import { engineErrorKind, engineFlags, engineSettings } from '../lib/engine-flags.js';

export default class Resume extends CaravanCommand {
  static override description =
    'Continue a run whose engine stopped: finished steps keep their results, running ones are re-attached or retried; exit codes as for run';

  static override examples = ['<%= config.bin %> resume lq3x9a2b-1f2e3d'];

  static override args = { id: Args.string({ description: 'the run id', required: true }) };

  static override flags = { ...engineFlags };

  protected override errorKind(err: unknown) {
    return engineErrorKind(err);
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Resume);
    const settings = engineSettings(flags);
    // Filled once the run is known: the engine reads this object when a step starts.
    const secrets: Record<string, string> = { ...settings.secrets };
    const engine = await openEngine({ ...settings, secrets });
    try {
      const run = await engine.store.getRun(args.id);
      if (!run) throw new UsageError(`no run ${args.id}: see caravan runs list`);
      const { pipelines: nested } = await loadNestedPipelines(run.pipeline);
      for (const p of [...nested, run.pipeline])
        Object.assign(secrets, localRunSecrets(p, settings.secrets, caravanHome()));
      engine.addMaskedValues(Object.values(secrets));
      process.stdout.write(`run ${run.id}\n`);
      const code = await driveRun(engine, run);
      if (code !== 0) this.exit(code);
    } finally {
      await engine.close();
      await engine.store.close();
    }
  }
}
