import { Args, Command, Flags } from '@oclif/core';
import { EngineError } from '@caravan/engine';
import { openEngine } from '../lib/engine/open.js';
import { driveRun } from '../lib/engine/session.js';
import {
  engineSettings,
  executorLimitFlag,
  isSettingsError,
  registryFlags,
  type EngineSettings,
} from '../lib/engine-flags.js';
import { gatherSecrets } from '@caravan/engine';

export default class Resume extends Command {
  static override description =
    'Continue a run whose engine stopped: finished steps keep their results, running ones are re-attached or retried';

  static override examples = ['<%= config.bin %> resume lq3x9a2b-1f2e3d'];

  static override args = { id: Args.string({ description: 'the run id', required: true }) };

  static override flags = {
    secret: Flags.string({
      char: 's',
      description: 'a secret, NAME=VALUE (secrets are never stored: give them again)',
      multiple: true,
    }),
    'secrets-file': Flags.string({ description: 'secrets from a dotenv or JSON file' }),
    webhook: Flags.string({ description: 'POST run and step events to this URL (repeatable)', multiple: true }),
    ...executorLimitFlag,
    ...registryFlags,
    'callback-host': Flags.string({ description: 'address of the engine callback API (default 127.0.0.1)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Resume);
    const secrets = gatherSecrets({ flags: flags.secret, file: flags['secrets-file'], env: process.env });
    let settings: EngineSettings;
    try {
      settings = engineSettings(flags);
    } catch (err) {
      if (!isSettingsError(err)) throw err;
      this.error(err.message, { exit: 2 });
    }
    const engine = await openEngine({
      secrets,
      webhooks: flags.webhook,
      callbackHost: flags['callback-host'],
      ...settings,
    });
    try {
      const run = await engine.store.getRun(args.id);
      if (!run) {
        process.stderr.write(`no run ${args.id}: see caravan runs list\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`run ${run.id}\n`);
      try {
        process.exitCode = await driveRun(engine, run);
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      }
    } finally {
      await engine.close();
      await engine.store.close();
    }
  }
}
