import { readFile } from 'node:fs/promises';
import { Args, Command, Flags } from '@oclif/core';
import { formatIssue, loadPipelineFile } from '@caravan/spec';
import { EngineError } from '@caravan/engine';
import { openEngine } from '../lib/engine/open.js';
import { driveRun } from '../lib/engine/session.js';
import { ParamsError, resolveParams } from '@caravan/engine';
import {
  engineSettings,
  executorLimitFlag,
  isSettingsError,
  registryFlags,
  type EngineSettings,
} from '../lib/engine-flags.js';
import { gatherSecrets, parseAssignment, SecretsError } from '@caravan/engine';

export default class Run extends Command {
  static override description =
    'Run a pipeline.yml: prints the run id, then progress; exit 0 only when every step succeeded (2: invalid pipeline)';

  static override examples = [
    '<%= config.bin %> run examples/hello/pipeline.yml',
    '<%= config.bin %> run pipeline.yml --param env=staging --secret TOKEN=... --concurrency 4',
  ];

  static override args = { file: Args.string({ description: 'the pipeline file', required: true }) };

  static override flags = {
    param: Flags.string({ char: 'p', description: 'a pipeline parameter, NAME=VALUE (repeatable)', multiple: true }),
    secret: Flags.string({
      char: 's',
      description: 'a secret, NAME=VALUE (repeatable); also env CARAVAN_SECRET_<NAME>',
      multiple: true,
    }),
    'secrets-file': Flags.string({ description: 'secrets from a dotenv or JSON file' }),
    executor: Flags.string({
      char: 'e',
      description: 'where steps run: process (default), docker or k8s',
      default: 'process',
    }),
    concurrency: Flags.integer({
      char: 'c',
      description: 'most steps running at once (default: CPU count × 2)',
      min: 1,
    }),
    webhook: Flags.string({
      description: 'POST run and step events to this URL, signed with CARAVAN_WEBHOOK_SECRET (repeatable)',
      multiple: true,
    }),
    image: Flags.string({
      description:
        'image for container steps whose action names none, e.g. a Node image for the built-ins (env CARAVAN_DEFAULT_IMAGE)',
    }),
    ...executorLimitFlag,
    ...registryFlags,
    'callback-host': Flags.string({
      description: 'address of the engine callback API (default 127.0.0.1; 0.0.0.0 for containers)',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const parsed = await loadPipelineFile(args.file);
    for (const w of parsed.warnings) process.stderr.write(`${formatIssue(w)}\n`);
    if (!parsed.ok) {
      for (const e of parsed.errors) process.stderr.write(`${formatIssue(e)}\n`);
      process.exitCode = 2;
      return;
    }
    let params: Record<string, string | number | boolean>;
    let secrets: Record<string, string>;
    let settings: EngineSettings;
    try {
      params = Object.fromEntries((flags.param ?? []).map((p) => parseAssignment(p, '--param')));
      resolveParams(parsed.value, params);
      secrets = gatherSecrets({ flags: flags.secret, file: flags['secrets-file'], env: process.env });
      settings = engineSettings(flags);
    } catch (err) {
      if (err instanceof ParamsError || err instanceof SecretsError || isSettingsError(err)) {
        // params belong to the pipeline file; a bad flag or registry setting does not
        process.stderr.write(`${err instanceof ParamsError ? `${args.file}: ` : ''}${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw err;
    }
    const engine = await openEngine({
      secrets,
      webhooks: flags.webhook,
      callbackHost: flags['callback-host'],
      concurrency: flags.concurrency,
      defaultImage: flags.image,
      ...settings,
    });
    try {
      let run;
      try {
        run = await engine.createRun({
          pipeline: parsed.value,
          source: await readFile(args.file, 'utf8'),
          params,
          executor: flags.executor,
          concurrency: flags.concurrency,
          warn: (w) => process.stderr.write(`${formatIssue(w)}\n`),
        });
      } catch (err) {
        if (err instanceof EngineError) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      process.stdout.write(`run ${run.id}\n`);
      process.exitCode = await driveRun(engine, run);
    } finally {
      await engine.close();
      await engine.store.close();
    }
  }
}
