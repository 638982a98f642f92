/**
 * Resolves every `uses:` of a pipeline to one exact version with its integrity, before the run
 * starts: `caravan/*` from the built-ins embedded in `marketplace/actions/<name>/`, anything else
 * through a registry client (when one is configured). `load` re-opens an already resolved action
 * and checks its integrity, so a resumed run runs exactly what the first start recorded.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import type { ActionSpec } from '@caravan/spec';
import type { ResolvedAction } from '../store/types.js';
import { folderIntegrity } from './integrity.js';
import { loadActionSpec } from './load-spec.js';

export interface LoadedAction {
  resolved: ResolvedAction;
  spec: ActionSpec;
  /** Host folder holding `action.yml` and the action's files. */
  dir: string;
}

export class ActionResolveError extends Error {}

export interface ActionResolver {
  resolve(name: string, range: string): Promise<LoadedAction>;
  load(resolved: ResolvedAction): Promise<LoadedAction>;
}

/** Fetches a non-built-in action: the registry client, adapted (see registry-source.ts). */
export interface RemoteActionSource {
  fetch(name: string, range: string): Promise<LoadedAction>;
  fetchExact(resolved: ResolvedAction): Promise<LoadedAction>;
}

/** Finds `marketplace/actions` upwards from this module (works from the sources and from dist/). */
export function builtinActionsDir(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  if (process.env.CARAVAN_BUILTIN_ACTIONS) return process.env.CARAVAN_BUILTIN_ACTIONS;
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'marketplace', 'actions');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export interface ResolverOptions {
  /**
   * How long a registry answer for `name@range` is reused; absent: for the resolver's life (one
   * command). A long-lived server sets it, so that a version published or yanked since is seen.
   */
  remoteTtlMs?: number;
  now?: () => number;
}

export class DefaultActionResolver implements ActionResolver {
  private readonly cache = new Map<string, { loaded: LoadedAction; at: number }>();

  constructor(
    private readonly builtinDir: string | undefined,
    private readonly remote?: RemoteActionSource,
    private readonly o: ResolverOptions = {},
  ) {}

  async resolve(name: string, range: string): Promise<LoadedAction> {
    const key = `${name}@${range}`;
    const now = this.o.now?.() ?? Date.now();
    const hit = this.cache.get(key);
    const builtin = name.startsWith('caravan/');
    if (hit && (builtin || this.o.remoteTtlMs === undefined || now - hit.at < this.o.remoteTtlMs)) return hit.loaded;
    const loaded = builtin ? this.builtin(name, range) : await this.fromRegistry(name, range);
    this.cache.set(key, { loaded, at: now });
    return loaded;
  }

  async load(resolved: ResolvedAction): Promise<LoadedAction> {
    const loaded =
      resolved.source === 'builtin'
        ? this.builtin(resolved.name, resolved.version)
        : await this.remoteOrFail(resolved.name).fetchExact(resolved);
    if (loaded.resolved.integrity !== resolved.integrity) {
      throw new ActionResolveError(
        `${resolved.name}@${resolved.version} changed since the run started (integrity ${loaded.resolved.integrity.slice(0, 20)}… instead of ${resolved.integrity.slice(0, 20)}…): start a new run instead of resuming`,
      );
    }
    return { ...loaded, resolved: { ...loaded.resolved, range: resolved.range } };
  }

  private builtin(name: string, range: string): LoadedAction {
    const short = name.slice('caravan/'.length);
    if (!this.builtinDir)
      throw new ActionResolveError(
        `built-in actions not found (no marketplace/actions folder next to caravan): cannot run ${name}`,
      );
    const dir = join(this.builtinDir, short);
    const file = join(dir, 'action.yml');
    if (!/^[a-z0-9][a-z0-9-]*$/.test(short) || !existsSync(file)) {
      throw new ActionResolveError(`${name} is not a built-in action (looked in ${this.builtinDir})`);
    }
    const spec = loadActionSpec(file);
    if (spec.name !== name) throw new ActionResolveError(`${file} names itself ${spec.name}, not ${name}`);
    const validRange = semver.validRange(range || '*');
    if (!validRange)
      throw new ActionResolveError(`${name}@${range}: "${range}" is not a valid version range (e.g. ^1, 1.2.x, 1.0.0)`);
    if (!semver.satisfies(spec.version, validRange, { includePrerelease: true })) {
      throw new ActionResolveError(
        `${name}@${range}: the built-in version is ${spec.version}, which does not satisfy ${range}`,
      );
    }
    return {
      resolved: { name, range, version: spec.version, integrity: folderIntegrity(dir), source: 'builtin' },
      spec,
      dir,
    };
  }

  private remoteOrFail(name: string): RemoteActionSource {
    if (!this.remote) {
      throw new ActionResolveError(
        `${name} is not a built-in action and no registry is configured: run \`caravan login --registry URL\`, pass --registry URL or set CARAVAN_REGISTRY (built-ins are caravan/*)`,
      );
    }
    return this.remote;
  }

  private async fromRegistry(name: string, range: string): Promise<LoadedAction> {
    return this.remoteOrFail(name).fetch(name, range);
  }
}
