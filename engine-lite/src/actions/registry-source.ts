/**
 * Actions outside `caravan/*`, fetched through the registry client: resolved to one exact version
 * with its integrity, downloaded, verified and unpacked into the client's cache.
 */
import { join } from 'node:path';
import { RegistryClient } from '@caravan/registry';
import type { ResolvedAction } from '../store/types.js';
import { loadActionSpec } from './load-spec.js';
import type { LoadedAction, RemoteActionSource } from './resolver.js';

export class RegistryActionSource implements RemoteActionSource {
  private readonly client: RegistryClient;

  constructor(url: string, token?: string, cacheDir?: string) {
    this.client = new RegistryClient({ url, ...(token ? { token } : {}), ...(cacheDir ? { cacheDir } : {}) });
  }

  async fetch(name: string, range: string): Promise<LoadedAction> {
    const f = await this.client.fetchAction(name, range || '*');
    return {
      resolved: { name, range, version: f.version, integrity: f.integrity, source: 'registry' },
      spec: loadActionSpec(join(f.dir, 'action.yml')),
      dir: f.dir,
    };
  }

  /** By integrity: the cached copy when present, else the registry; the client verifies the bytes. */
  async fetchExact(resolved: ResolvedAction): Promise<LoadedAction> {
    const f = await this.client.fetchAction(resolved.name, resolved.integrity);
    return {
      resolved: { ...resolved, version: f.version, integrity: f.integrity },
      spec: loadActionSpec(join(f.dir, 'action.yml')),
      dir: f.dir,
    };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
