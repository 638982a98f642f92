import { Flags } from '@oclif/core';
import {
  builtinActionsDir,
  caravanHome,
  DefaultActionResolver,
  redactUrl,
  RegistryActionSource,
  serve,
} from '@caravan/engine';
import { CaravanCommand, registryFlags } from '../../lib/base-command.js';
import { optionalRegistryConfig } from '../../lib/registry-config.js';
import { parseExecutorLimits } from '../../lib/engine/executor-limits.js';

const REGISTRY_ANSWER_TTL_MS = 60_000;

export default class Server extends CaravanCommand {
  static override description =
    'Run the engine as a service: an HTTP API that accepts runs, one queue across runs, every run driven to its end; SIGTERM stops it, the next start takes over its runs';

  static override examples = [
    '<%= config.bin %> server --port 8080',
    '<%= config.bin %> server token create ci --role runner',
  ];

  static override flags = {
    port: Flags.integer({ description: 'port to listen on', default: 8080, min: 0, max: 65535 }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    data: Flags.string({ description: 'data dir: stores, blobs, workspaces (default $CARAVAN_HOME)' }),
    'max-runs': Flags.integer({
      description: 'most runs driven at once; the others wait in the queue',
      default: 4,
      min: 1,
    }),
    concurrency: Flags.integer({ char: 'c', description: 'most steps of one run running at once', min: 1 }),
    'executor-limit': Flags.string({
      description: 'most steps of one executor running at once, KIND=N',
      multiple: true,
    }),
    'callback-host': Flags.string({
      description: 'address of the callback API the agents report to (default 127.0.0.1)',
    }),
    image: Flags.string({
      description: 'image for container steps whose action names none (env CARAVAN_DEFAULT_IMAGE)',
    }),
    ...registryFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Server);
    const data = flags.data ?? caravanHome();
    // actions other than the built-ins come from the registry, as for `caravan run`; a registry
    // answer is reused for a minute, so that a version published or yanked since is seen
    const registry = optionalRegistryConfig(flags);
    const resolver = new DefaultActionResolver(
      builtinActionsDir(),
      registry ? new RegistryActionSource(registry.url, registry.token) : undefined,
      { remoteTtlMs: REGISTRY_ANSWER_TTL_MS },
    );
    const running = await serve({
      data,
      host: flags.host,
      port: flags.port,
      maxRuns: flags['max-runs'],
      ...(flags['max-steps'] ? { maxSteps: flags['max-steps'] } : {}),
      engine: {
        resolver,
        concurrency: flags.concurrency,
        executorLimits: parseExecutorLimits(flags['executor-limit'] ?? []),
        defaultImage: flags.image ?? process.env.CARAVAN_DEFAULT_IMAGE,
        ...(flags['callback-host'] ? { callback: { host: flags['callback-host'] } } : {}),
      },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const actions = registry
      ? `actions from ${redactUrl(registry.url)}`
      : 'built-in actions only (no registry configured)';
    process.stdout.write(`caravan server listening on ${running.url} (data ${data}; ${actions})\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`${signal}: taking no new work; running steps are left to the next start\n`);
        running.stop().then(resolve, (err: Error) => {
          process.stderr.write(`stopping: ${err.message}\n`);
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    // The engine's timers would keep the process alive; its runs continue at the next start.
    process.exit(0);
  }
}
