/** A real registry server with one action published to it by its owner, for tests that run registry actions. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addUser, grant, RegistryClient, startRegistry, type RunningRegistry } from '@caravan/registry';

/** Starts a registry under `dir`, publishes the action (its `action.yml` and `index.mjs`) as alice, owner of acme. */
export async function registryWithAction(
  dir: string,
  action: { yml: string; script: string },
): Promise<{ registry: RunningRegistry; token: string }> {
  const registry = await startRegistry({ dataDir: join(dir, 'registry'), port: 0 });
  const token = (await addUser(registry.store, 'alice', true)).token;
  await grant(registry.store, 'alice', 'acme', 'owner');
  const folder = join(dir, 'action');
  mkdirSync(folder);
  writeFileSync(join(folder, 'action.yml'), action.yml);
  writeFileSync(join(folder, 'index.mjs'), action.script);
  const client = new RegistryClient({ url: registry.url, token, cacheDir: join(dir, 'publisher-cache') });
  await client.publish(folder);
  await client.close();
  return { registry, token };
}
