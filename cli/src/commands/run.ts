import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { formatIssue, loadNestedPipelines, loadPipelineFile } from '@caravan/spec';
import { openEngine } from '../lib/engine/open.js';
import { driveRun } from '../lib/engine/session.js';
import { ParamsError, resolveParams } from '@caravan/engine';
import { caravanHome, localRunSecrets, parseAssignment } from '@caravan/engine';
import { CaravanCommand, UsageError } from '../lib/base-command.js';
import { engineErrorKind, engineFlags, engineSettings } from '../lib/engine-flags.js';
import { invalidFileError } from '../lib/print-issues.js';
import { followRemoteRun } from '../lib/engine/remote-session.js';
import { serverClient, serverFlag } from '../lib/engine/server-client.js';
import { registeredLookup } from '../lib/engine/registered-lookup.js';

export default class Run extends CaravanCommand {
  static override description =
    'Run a pipeline.yml: prints the run id, then progress; exit 0 only when every step succeeded, 1 when one did not, 2 when nothing could start';

  static override examples = [
    '<%= config.bin %> run examples/hello/pipeline.yml',
    '<%= config.bin %> run pipeline.yml --param env=staging --secret TOKEN=... --concurrency 4',
  ];

  static override args = { file: Args.string({ description: 'the pipeline file', required: true }) };

  static override flags = {
    param: Flags.string({ char: 'p', description: 'a pipeline parameter, NAME=VALUE (repeatable)', multiple: true }),
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
    image: Flags.string({
      description:
        'image for container steps whose action names none, e.g. a Node image for the built-ins (env CARAVAN_DEFAULT_IMAGE)',
    }),
    priority: Flags.integer({ description: "the run's place in a server's queue (default: the pipeline's priority)" }),
    label: Flags.string({ description: 'a label for the run on a server, KEY=VALUE (repeatable)', multiple: true }),
    ...engineFlags,
    ...serverFlag,
  };

  protected override errorKind(err: unknown) {
    return engineErrorKind(err);
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const client = serverClient(flags);
    const parsed = await loadPipelineFile(args.file, client ? { registered: registeredLookup(client) } : {});
    for (const w of parsed.warnings) process.stderr.write(`${formatIssue(w)}\n`);
    if (!parsed.ok) throw invalidFileError(`${args.file} is not a valid pipeline`, parsed.errors);
    const params = Object.fromEntries((flags.param ?? []).map((p) => parseAssignment(p, '--param')));
    try {
      resolveParams(parsed.value, params);
    } catch (err) {
      // params belong to the pipeline file; a bad flag or registry setting does not
      if (err instanceof ParamsError)
        throw new UsageError(err.message, { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
      throw err;
    }
    const { pipelines: nested } = await loadNestedPipelines(parsed.value, {
      ...(client ? { registered: registeredLookup(client) } : {}),
    });
    if (client) {
      // The server gets the nested files too, by their path relative to this file's folder.
      const base = dirname(resolve(args.file));
      const files: Record<string, string> = {};
      for (const p of nested.filter((n) => !n.registered))
        files[relative(base, resolve(p.file))] = await readFile(p.file, 'utf8');
      const { id } = await client.json<{ id: string }>('POST', '/v1/runs', {
        pipeline: await readFile(args.file, 'utf8'),
        file: args.file,
        params,
        secrets: engineSettings(flags).secrets,
        executor: flags.executor,
        ...(nested.length > 0 ? { files } : {}),
        ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
        labels: Object.fromEntries((flags.label ?? []).map((l) => parseAssignment(l, '--label'))),
      });
      process.stdout.write(`run ${id}\n`);
      const code = await followRemoteRun(client, id, parsed.value);
      if (code !== 0) this.exit(code);
      return;
    }
    const registered = [parsed.value, ...nested].flatMap((p) => p.steps.filter((s) => s.registered));
    if (registered.length > 0)
      throw new UsageError(
        `${args.file} runs a registered pipeline (uses: ${registered[0]!.registered}): that needs caravan server`,
        {
          hint: 'run it with --server URL (or CARAVAN_SERVER), or write the nested pipeline as a file: uses: ./path/pipeline.yml',
        },
      );
    const settings = engineSettings(flags);
    // Given secrets win over stored ones; a declared secret neither given nor stored stops here,
    // for the nested pipelines too (their child runs get the same secrets).
    const secrets: Record<string, string> = {};
    for (const p of [...nested, parsed.value])
      Object.assign(secrets, localRunSecrets(p, settings.secrets, caravanHome()));
    const engine = await openEngine({
      ...settings,
      secrets,
      concurrency: flags.concurrency,
      defaultImage: flags.image,
    });
    try {
      const run = await engine.createRun({
        pipeline: parsed.value,
        source: await readFile(args.file, 'utf8'),
        params,
        executor: flags.executor,
        concurrency: flags.concurrency,
        warn: (w) => process.stderr.write(`${formatIssue(w)}\n`),
      });
      process.stdout.write(`run ${run.id}\n`);
      const code = await driveRun(engine, run);
      if (code !== 0) this.exit(code);
    } finally {
      await engine.close();
      await engine.store.close();
    }
  }
}
