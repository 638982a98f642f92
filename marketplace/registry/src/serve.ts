/** Starts a registry server: opens the store and blobs, sweeps temp files, listens. */
import type { FastifyInstance } from 'fastify';
import { openBlobs, openStore, type OpenOptions } from './open.js';
import { Registry } from './registry.js';
import { createServer, type ServerOptions } from './server/app.js';
import type { RegistryStore } from './store/types.js';
import type { TarballLimits } from './tarball/index.js';

export interface StartOptions extends OpenOptions, ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  limits?: Partial<TarballLimits>;
}

export interface RunningRegistry {
  url: string;
  app: FastifyInstance;
  registry: Registry;
  store: RegistryStore;
  close(): Promise<void>;
}

export async function startRegistry(opts: StartOptions): Promise<RunningRegistry> {
  const store = await openStore(opts);
  const blobs = openBlobs(opts.dataDir);
  blobs.sweepTemp();
  const registry = new Registry({
    store,
    blobs,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.logError ? { logError: opts.logError } : {}),
  });
  const app = createServer(registry, {
    ...(opts.logError ? { logError: opts.logError } : {}),
    ...(opts.accessLog ? { accessLog: opts.accessLog } : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: opts.port ?? 4873 });
  } catch (err) {
    await store.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    app,
    registry,
    store,
    async close() {
      await app.close();
      await registry.close();
      await store.close();
    },
  };
}
