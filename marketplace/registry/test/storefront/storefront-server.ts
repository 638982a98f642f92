/** A registry with the storefront for page tests: the test users of helpers.ts, seeded actions, a catalog. */
import type { FastifyInstance } from 'fastify';
import { addUser, grant } from '../../src/admin.js';
import { openBlobs, openStore } from '../../src/open.js';
import { Registry } from '../../src/registry.js';
import { createServer } from '../../src/server/app.js';
import type { RegistryStore } from '../../src/store/types.js';
import { actionTarball, cleanup, publish, storeFactories, tempDir, type StoreFactory } from '../helpers.js';

export interface StorefrontServer {
  url: string;
  app: FastifyInstance;
  registry: Registry;
  store: RegistryStore;
  tokens: Record<string, string>;
  publish(token: string, name: string, version: string, opts?: { readme?: string; extra?: string }): Promise<void>;
  stop(): Promise<void>;
}

/** alice owns `acme` (private), `caravan` is public, eve has her own `~eve`. */
export async function startStorefront(
  errors: string[] = [],
  factory: StoreFactory = storeFactories[0] as StoreFactory,
): Promise<StorefrontServer> {
  const opts = factory.options(tempDir('caravan-storefront-'));
  const dataDir = opts.dataDir;
  const store = await openStore(opts);
  const tokens: Record<string, string> = {};
  tokens['root'] = (await addUser(store, 'root', true)).token;
  for (const u of ['alice', 'eve']) tokens[u] = (await addUser(store, u, false)).token;
  await grant(store, 'alice', 'acme', 'owner');
  const registry = new Registry({ store, blobs: openBlobs(dataDir) });
  const app = createServer(registry, { logError: (line) => errors.push(line) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    app,
    registry,
    store,
    tokens,
    async publish(token, name, version, opts = {}) {
      const res = await publish(url, token, name, version, await actionTarball(name, version, opts));
      if (res.status !== 201) throw new Error(`publish ${name}@${version}: ${res.status} ${await res.text()}`);
    },
    async stop() {
      await app.close();
      await store.close();
      await cleanup(opts);
    },
  };
}
