import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { parseActionName } from '../names.js';
import { DEFAULT_TARBALL_LIMITS, inspectTarball, packAction, sha512Integrity } from '../tarball/index.js';
import { ActionCache, type CachedAction } from './action-cache.js';
import { defaultCacheDir } from './caravan-home.js';
import { parseDuration } from '@caravan/spec';
import {
  checkedLocally,
  IntegrityError,
  InvalidSettingError,
  RegistryHttpError,
  RegistryUnreachableError,
} from './client-errors.js';
import { HttpTransport, type HttpRequest } from './http-transport.js';
import type {
  CreatedToken,
  FetchedAction,
  Published,
  Resolved,
  ActionStats,
  SearchPage,
  SearchQuery,
  VersionDetail,
  VersionList,
  Whoami,
} from './types.js';

export interface RegistryClientOptions {
  url: string;
  token?: string;
  /** Default `$CARAVAN_HOME/cache`. */
  cacheDir?: string;
  /** Bound on waiting for an answer (headers, and between body chunks); default `registryTimeoutMs()`. */
  timeoutMs?: number;
  /** Bound on opening a connection; default the smaller of `timeoutMs` and 10 s. */
  connectTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * `CARAVAN_REGISTRY_TIMEOUT` (seconds, or a duration such as `90s` or `2m`) in milliseconds, else
 * 30 s: how long the client waits for the registry at each step before it gives up.
 */
export function registryTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CARAVAN_REGISTRY_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIMEOUT_MS;
  const seconds = parseDuration(/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw);
  if (seconds === undefined)
    throw new InvalidSettingError(
      `CARAVAN_REGISTRY_TIMEOUT="${raw.slice(0, 40)}" is not a duration: give seconds (30) or e.g. 90s, 2m`,
    );
  return seconds * 1000;
}

export interface PublishProgress {
  phase: 'packed' | 'uploading' | 'done';
  bytes: number;
}

const isExactVersion = (spec: string): boolean => semver.valid(spec) !== null && /^[v=]?\d/.test(spec.trim());

function actionPath(name: string): string {
  checkedLocally(() => parseActionName(name));
  return `/v1/actions/${name.split('/').map(encodeURIComponent).join('/')}/-`;
}

function versionPath(name: string, version: string): string {
  return `${actionPath(name)}/versions/${encodeURIComponent(version)}`;
}

/** The `name` and `version` an action.yml declares; full validation is the spec's job. */
export function nameAndVersion(actionYml: string, dir: string): { name: string; version: string } {
  let doc: unknown;
  try {
    doc = parseYaml(actionYml);
  } catch (err) {
    throw new Error(`${dir}/action.yml is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { name, version } = (doc && typeof doc === 'object' ? doc : {}) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string') throw new Error(`${dir}/action.yml has no "name" (e.g. name: acme/lint)`);
  checkedLocally(() => parseActionName(name));
  if (typeof version !== 'string' || semver.valid(version) === null) {
    throw new Error(
      `${dir}/action.yml: "version" must be an exact semver version such as 1.2.0, got ${JSON.stringify(version ?? null)}`,
    );
  }
  return { name, version };
}

function parseBody<T>(body: Buffer, what: string, required: string[], base: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    value = undefined;
  }
  const missing = value && typeof value === 'object' ? required.filter((k) => !(k in value)) : required;
  if (!value || typeof value !== 'object' || missing.length > 0) {
    throw new RegistryHttpError(
      502,
      'bad-response',
      `the registry at ${base} answered ${what} with an unexpected body (missing: ${missing.join(', ') || 'a JSON object'})`,
      'check that CARAVAN_REGISTRY points at a Caravan registry of a compatible version',
    );
  }
  return value as T;
}

/** Client of the registry HTTP API: resolve, download and cache actions; publish and manage versions. */
export class RegistryClient {
  private readonly http: HttpTransport;
  private readonly cache: ActionCache;
  private readonly inflight = new Map<string, Promise<CachedAction>>();

  constructor(options: RegistryClientOptions) {
    const timeoutMs = options.timeoutMs ?? registryTimeoutMs();
    this.http = new HttpTransport({
      url: options.url,
      ...(options.token ? { token: options.token } : {}),
      timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? Math.min(timeoutMs, 10_000),
    });
    this.cache = new ActionCache(options.cacheDir ?? defaultCacheDir());
  }

  /** The registry's URL without credentials. */
  get url(): string {
    return this.http.displayUrl;
  }

  private async json<T>(req: HttpRequest, required: string[]): Promise<T> {
    const res = await this.http.send(req);
    return parseBody<T>(res.body, `${req.method} ${req.path}`, required, this.http.displayUrl);
  }

  /** One exact version for `spec` (exact version, semver range, dist-tag or `sha512-…`). */
  async resolve(name: string, spec: string): Promise<Resolved> {
    const r = await this.json<Resolved>(
      { method: 'GET', path: `${actionPath(name)}/resolve`, query: { range: spec } },
      ['name', 'version', 'integrity'],
    );
    return { ...r, warnings: Array.isArray(r.warnings) ? r.warnings.map(String) : [] };
  }

  /** The tarball's bytes, checked against `integrity`; a mismatch throws `IntegrityError`. */
  async download(name: string, version: string, integrity: string): Promise<Buffer> {
    const res = await this.http.send({
      method: 'GET',
      path: `${versionPath(name, version)}/tarball`,
      headers: { accept: 'application/gzip' },
      maxBytes: DEFAULT_TARBALL_LIMITS.maxCompressedBytes,
    });
    const actual = sha512Integrity(res.body);
    if (actual !== integrity)
      throw new IntegrityError(integrity, actual, `${name}@${version} downloaded from ${this.http.displayUrl}`);
    return res.body;
  }

  /**
   * Resolves, downloads, verifies and unpacks an action into the cache, keyed by integrity. A
   * cached exact version or integrity is used without any network; a range falls back to its last
   * resolution (with a warning) when the registry cannot be reached.
   */
  async fetchAction(name: string, spec: string): Promise<FetchedAction> {
    checkedLocally(() => parseActionName(name));
    const registry = this.http.displayUrl;
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
      resolved = await this.resolve(name, spec);
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
      pending = this.download(name, version, integrity)
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

  /** Packs `dir` and uploads it under the name and version its action.yml declares. */
  async publish(dir: string, onProgress?: (p: PublishProgress) => void): Promise<Published> {
    const packed = await packAction(dir);
    onProgress?.({ phase: 'packed', bytes: packed.tarball.length });
    const { name, version } = nameAndVersion((await inspectTarball(packed.tarball)).actionYml, dir);
    return this.publishTarball(packed.tarball, name, version, onProgress);
  }

  async publishTarball(
    tarball: Buffer,
    name: string,
    version: string,
    onProgress?: (p: PublishProgress) => void,
  ): Promise<Published> {
    const integrity = sha512Integrity(tarball);
    onProgress?.({ phase: 'uploading', bytes: tarball.length });
    const published = await this.json<Published>(
      {
        method: 'PUT',
        path: versionPath(name, version),
        body: tarball,
        headers: { 'content-type': 'application/gzip', 'x-caravan-integrity': integrity },
      },
      ['name', 'version', 'integrity'],
    );
    if (published.integrity !== integrity) {
      throw new IntegrityError(
        integrity,
        published.integrity,
        `${name}@${version} as recorded by ${this.http.displayUrl} after publishing`,
      );
    }
    onProgress?.({ phase: 'done', bytes: tarball.length });
    return published;
  }

  async versions(name: string): Promise<VersionList> {
    return this.json<VersionList>({ method: 'GET', path: `${actionPath(name)}/versions` }, ['name', 'versions']);
  }

  async version(name: string, version: string): Promise<VersionDetail> {
    return this.json<VersionDetail>({ method: 'GET', path: versionPath(name, version) }, [
      'name',
      'version',
      'integrity',
    ]);
  }

  async deprecate(name: string, version: string, message: string): Promise<void> {
    await this.http.send({ method: 'POST', path: `${versionPath(name, version)}/deprecate`, json: { message } });
  }

  async yank(name: string, version: string): Promise<void> {
    await this.http.send({ method: 'POST', path: `${versionPath(name, version)}/yank`, json: {} });
  }

  async unyank(name: string, version: string): Promise<void> {
    await this.http.send({ method: 'POST', path: `${versionPath(name, version)}/unyank`, json: {} });
  }

  /** Owner only; leaves a tombstone, so the version can never be published again. */
  async delete(name: string, version: string): Promise<void> {
    await this.http.send({ method: 'DELETE', path: versionPath(name, version) });
  }

  async tag(name: string, tag: string, version: string): Promise<void> {
    await this.http.send({
      method: 'PUT',
      path: `${actionPath(name)}/dist-tags/${encodeURIComponent(tag)}`,
      json: { version },
    });
  }

  /** The catalog's search: readable actions ranked by relevance (by name without `q`), and how many match in all. */
  async search(query: SearchQuery): Promise<SearchPage> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params[k] = String(v);
    return this.json<SearchPage>({ method: 'GET', path: '/v1/search', query: params }, ['hits', 'total']);
  }

  /** How many times `name` was resolved in the last `days` days. */
  async stats(name: string, days = 30): Promise<ActionStats> {
    return this.json<ActionStats>({ method: 'GET', path: `${actionPath(name)}/stats`, query: { days: String(days) } }, [
      'resolutions',
    ]);
  }

  async whoami(): Promise<Whoami> {
    return this.json<Whoami>({ method: 'GET', path: '/v1/whoami' }, ['user']);
  }

  async createToken(scopes: string[], access: 'read' | 'publish'): Promise<CreatedToken> {
    return this.json<CreatedToken>({ method: 'POST', path: '/v1/tokens', json: { scopes, access } }, ['id', 'token']);
  }

  async revokeToken(id: string): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/tokens/${encodeURIComponent(id)}` });
  }

  /** Closes the kept-alive connections. */
  async close(): Promise<void> {
    await this.http.close();
  }
}
