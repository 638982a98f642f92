/** Fetching an action into the local cache: offline when the cache can answer, one download per integrity. */
import semver from 'semver';
import { parseActionName } from '../names.js';
import type { ActionCache, CachedAction } from './action-cache.js';
import { checkedLocally, RegistryUnreachableError } from './client-errors.js';
import type { FetchedAction, Resolved } from './types.js';

const isExactVersion = (spec: string): boolean => semver.valid(spec) !== null && /^[v=]?\d/.test(spec.trim());

/** What fetching needs of the registry. */
export interface ActionSource {
  resolve(name: string, spec: string): Promise<Resolved>;
  download(name: string, version: string, integrity: string): Promise<Buffer>;
}

export class ActionFetcher {
  private readonly inflight = new Map<string, Promise<CachedAction>>();

  constructor(
    private readonly source: ActionSource,
    private readonly cache: ActionCache,
    /** The registry's URL without credentials: the key of remembered resolutions. */
    private readonly registry: string,
  ) {}

  /**
   * Resolves, downloads, verifies and unpacks an action into the cache, keyed by integrity. A
   * cached exact version or integrity is used without any network; a range falls back to its last
   * resolution (with a warning) when the registry cannot be reached.
   */
  async fetch(name: string, spec: string): Promise<FetchedAction> {
    checkedLocally(() => parseActionName(name));
    const { registry } = this;
    if (spec.startsWith('sha512-')) {
      const hit = await this.cache.lookup(spec).catch(() => undefined);
      if (hit && hit.name === name) return { ...hit, warnings: [] };
    } else if (isExactVersion(spec)) {
      const memo = await this.cache.recall(registry, name, spec);
      const hit = memo ? await this.cache.lookup(memo.integrity) : undefined;
      if (memo && hit) return { ...hit, warnings: memo.warnings };
    }
    let resolved: Resolved;
    try {
      resolved = await this.source.resolve(name, spec);
    } catch (err) {
      if (!(err instanceof RegistryUnreachableError)) throw err;
      const memo = await this.cache.recall(registry, name, spec);
      const hit = memo ? await this.cache.lookup(memo.integrity) : undefined;
      if (!memo || !hit) throw err;
      return {
        ...hit,
        warnings: [
          ...memo.warnings,
          `${err.message}; using ${name}@${memo.version} from the cache (resolved ${memo.resolvedAt})`,
        ],
      };
    }
    const { version, integrity, warnings } = resolved;
    const cached = (await this.cache.lookup(integrity)) ?? (await this.downloadOnce(resolved.name, version, integrity));
    // Only an offline fallback: a memo that cannot be written must not fail the fetch.
    await this.cache
      .remember(registry, spec, { name, version, integrity, warnings, resolvedAt: new Date().toISOString() })
      .catch(() => undefined);
    return { name: resolved.name, version, integrity, dir: cached.dir, warnings };
  }

  /** Concurrent fetches of one integrity share a single download and unpack. */
  private downloadOnce(name: string, version: string, integrity: string): Promise<CachedAction> {
    let pending = this.inflight.get(integrity);
    if (!pending) {
      pending = this.source
        .download(name, version, integrity)
        .then((tgz) => this.cache.store(tgz, integrity, name, version))
        .catch((err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          if (!['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR'].includes(code)) throw err;
          throw new Error(
            `cannot write the action cache in ${this.cache.cacheDir} (${code}); free space or make it writable, or set CARAVAN_HOME to a writable folder`,
            { cause: err },
          );
        })
        .finally(() => this.inflight.delete(integrity));
      this.inflight.set(integrity, pending);
    }
    return pending;
  }
}
