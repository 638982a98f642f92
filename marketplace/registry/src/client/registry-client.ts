import { DEFAULT_TARBALL_LIMITS, sha512Integrity } from '../tarball/index.js';
import { ActionCache } from './action-cache.js';
import { actionPath, versionPath } from './api-paths.js';
import { defaultCacheDir } from './caravan-home.js';
import { IntegrityError } from './client-errors.js';
import { ActionFetcher } from './fetch-action.js';
import { HttpTransport, type HttpRequest } from './http-transport.js';
import { sendForJson } from './json-answer.js';
import { packForPublish, uploadTarball, type PublishProgress } from './publish-action.js';
import { registryTimeoutMs } from './registry-timeout.js';
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

/** Client of the registry HTTP API: resolve, download and cache actions; publish and manage versions. */
export class RegistryClient {
  private readonly http: HttpTransport;
  private readonly fetcher: ActionFetcher;

  constructor(options: RegistryClientOptions) {
    const timeoutMs = options.timeoutMs ?? registryTimeoutMs();
    this.http = new HttpTransport({
      url: options.url,
      ...(options.token ? { token: options.token } : {}),
      timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? Math.min(timeoutMs, 10_000),
    });
    const cache = new ActionCache(options.cacheDir ?? defaultCacheDir());
    this.fetcher = new ActionFetcher(this, cache, this.http.displayUrl);
  }

  /** The registry's URL without credentials. */
  get url(): string {
    return this.http.displayUrl;
  }

  private json<T>(req: HttpRequest, required: string[]): Promise<T> {
    return sendForJson<T>(this.http, req, required);
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
  fetchAction(name: string, spec: string): Promise<FetchedAction> {
    return this.fetcher.fetch(name, spec);
  }

  /** Packs `dir` and uploads it under the name and version its action.yml declares. */
  async publish(dir: string, onProgress?: (p: PublishProgress) => void): Promise<Published> {
    const { tarball, name, version } = await packForPublish(dir, onProgress);
    return this.publishTarball(tarball, name, version, onProgress);
  }

  publishTarball(
    tarball: Buffer,
    name: string,
    version: string,
    onProgress?: (p: PublishProgress) => void,
  ): Promise<Published> {
    return uploadTarball(this.http, tarball, name, version, onProgress);
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
