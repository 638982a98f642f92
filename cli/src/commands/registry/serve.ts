import { Flags } from '@oclif/core';
import { defaultDataDir, startRegistry } from '@caravan/registry';
import { CaravanCommand, CommandError, errorKind } from '../../lib/base-command.js';
import { databaseUrl, dataFlag } from '../../lib/registry-store.js';

export default class RegistryServe extends CaravanCommand {
  static override description =
    'Run a marketplace registry (SQLite and blobs in --data; PostgreSQL when CARAVAN_DATABASE_URL is set)';
  static override examples = [
    '<%= config.bin %> registry serve --data /srv/caravan --port 4873',
    'CARAVAN_DATABASE_URL=postgres://registry@db/registry <%= config.bin %> registry serve --host 0.0.0.0',
  ];

  static override flags = {
    ...dataFlag,
    port: Flags.integer({ description: 'TCP port (0 picks a free one)', default: 4873, min: 0, max: 65535 }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    'access-log': Flags.boolean({
      description:
        'print one line per request on stdout: time, client, user, method, path, status, ms, bytes (never a token)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RegistryServe);
    const db = databaseUrl();
    const dataDir = flags.data ?? defaultDataDir();
    let running;
    try {
      running = await startRegistry({
        dataDir,
        host: flags.host,
        port: flags.port,
        ...db,
        ...(flags['access-log'] ? { accessLog: (line: string) => void process.stdout.write(`${line}\n`) } : {}),
      });
    } catch (err) {
      throw new CommandError(errorKind(err), `cannot start the registry: ${(err as Error).message}`, { cause: err });
    }
    this.log(
      `caravan registry (${db.databaseUrl ? 'PostgreSQL' : `SQLite in ${dataDir}`}, blobs in ${dataDir}/blobs) listening on ${running.url}`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        void running.close().finally(resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  }
}
