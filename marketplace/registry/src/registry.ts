/**
 * The registry's operations, independent of HTTP: every route is a thin wrapper over one method
 * here. Each method authorises first, then reads or writes through the store.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { anonymous, EVERYONE, requireOwnerRead, requireRead, requireRole, type Principal } from './auth/principal.js';
import { bearerToken, hashToken, newToken } from './auth/tokens.js';
import type { BlobStore } from './blobs.js';
import { RegistryError } from './errors.js';
import { parseActionName, parseScope, scopeCovers, type ActionName } from './names.js';
import { EpochCache } from './read-cache.js';
import { resolveSpec, type Resolution } from './resolve.js';
import type { Access, AuditEntry, RegistryStore, VersionInfo, VersionRecord } from './store/types.js';
import type { Clock } from './catalog/clock.js';
import { ResolutionCounter } from './catalog/resolution-counter.js';
import { StoreCatalog } from './catalog/store-catalog.js';
import type { Catalog } from './catalog/types.js';
import { DEFAULT_TARBALL_LIMITS, inspectTarball, TarballError, type TarballLimits } from './tarball/index.js';
import { validateActionYml } from './validate-action.js';

export interface RegistryOptions {
  store: RegistryStore;
  blobs: BlobStore;
  limits?: Partial<TarballLimits>;
  /** Where a publish can be held up in tests, to prove its interleavings with `caravan registry gc`. */
  checkpoint?: (point: PublishCheckpoint) => Promise<void>;
  /** Dates resolution counts and drives their flushes (tests use a fake one). */
  clock?: Clock;
  /** Told when resolution counts could not be written (they are dropped). */
  logError?: (line: string) => void;
}

export type PublishCheckpoint = 'publish.blob-written' | 'publish.committed';

export interface VersionSummary {
  version: string;
  integrity: string;
  publishedAt: string;
  deprecated?: string;
  yanked: boolean;
}

export interface VersionDetail extends VersionSummary {
  name: string;
  spec: unknown;
  readme?: string;
  publisher: string;
}

/** What the read routes need of one name, cached per store epoch. */
interface NameView {
  name: ActionName;
  versions: VersionInfo[];
  distTags: Record<string, string>;
  list?: { name: string; distTags: Record<string, string>; versions: VersionSummary[] };
  listJson?: string;
  resolved: Map<string, Resolution>;
  resolvedJson: Map<string, string>;
}

const MAX_README = 512 * 1024;
const TAG = /^[a-z][a-z0-9._-]{0,63}$/;
const INTEGRITY_LIKE = /^sha(1|256|384|512)-/;

function checkVersion(version: string): string {
  if (semver.valid(version) !== version) {
    throw new RegistryError(
      400,
      'invalid-version',
      `"${version.slice(0, 100)}" is not an exact semver version`,
      'use a version such as 1.2.0 or 2.0.0-rc.1 (no leading "v")',
    );
  }
  return version;
}

function tarballStatus(err: TarballError): number {
  if (err.code === 'too-large' || err.code === 'too-many-entries') return 413;
  if (err.code === 'not-gzip' || err.code === 'corrupt') return 400;
  return 422;
}

export class Registry {
  readonly store: RegistryStore;
  readonly blobs: BlobStore;
  readonly limits: TarballLimits;
  private readonly principals = new EpochCache<Principal>();
  private readonly names = new EpochCache<NameView>();
  private readonly checkpoint: (point: PublishCheckpoint) => Promise<void>;
  /** What the storefront and `caravan action search|show` read, filtered by read permission. */
  readonly catalog: Catalog;
  /** Successful resolutions, written to the store's daily counters every few seconds. */
  readonly resolutions: ResolutionCounter;

  constructor(opts: RegistryOptions) {
    this.store = opts.store;
    this.catalog = new StoreCatalog(opts.store, opts.clock);
    const logError = opts.logError ?? ((line: string) => process.stderr.write(`${line}\n`));
    this.resolutions = new ResolutionCounter({
      write: (counts) => opts.store.addResolutions(counts),
      ...(opts.clock ? { clock: opts.clock } : {}),
      onError: (err) => logError(`resolution counts lost: ${(err as Error).message}`),
    });
    this.blobs = opts.blobs;
    this.limits = { ...DEFAULT_TARBALL_LIMITS, ...opts.limits };
    this.checkpoint = opts.checkpoint ?? (async () => undefined);
  }

  async principal(authorization: string | undefined): Promise<Principal> {
    const epoch = await this.store.changeEpoch();
    const key = authorization === undefined ? '' : hashToken(authorization);
    const hit = this.principals.get(key, epoch);
    if (hit) return hit;
    const p = await this.loadPrincipal(authorization);
    this.principals.set(key, epoch, p);
    return p;
  }

  private async loadPrincipal(authorization: string | undefined): Promise<Principal> {
    const publicGrants = await this.store.grantsFor(EVERYONE);
    const token = bearerToken(authorization);
    if (authorization !== undefined && token === undefined) {
      throw new RegistryError(
        401,
        'bad-authorization',
        'the Authorization header is not "Bearer <token>"',
        'send Authorization: Bearer <token>',
      );
    }
    if (token === undefined) return anonymous(publicGrants);
    const record = await this.store.tokenByHash(hashToken(token));
    if (!record || record.revokedAt) {
      throw new RegistryError(
        401,
        'bad-token',
        record ? 'this token was revoked' : 'this token is not known to the registry',
        'log in again (caravan login) or ask an admin for a new token',
      );
    }
    const user = await this.store.getUser(record.user);
    if (!user)
      throw new RegistryError(
        401,
        'bad-token',
        'the user of this token no longer exists',
        'ask an admin for a new token',
      );
    const grants = [...(await this.store.grantsFor(user.name)), ...publicGrants];
    return {
      user: user.name,
      admin: user.admin,
      tokenId: record.id,
      access: record.access,
      tokenScopes: record.scopes,
      grants,
    };
  }

  private entry(p: Principal, action: string, target: string, scope: string, detail = ''): AuditEntry {
    return { at: new Date().toISOString(), user: p.user, tokenId: p.tokenId, action, target, scope, detail };
  }

  private async live(name: ActionName, version: string): Promise<VersionRecord> {
    const v = await this.store.getVersion(name.full, checkVersion(version));
    if (!v)
      throw new RegistryError(
        404,
        'not-found',
        `${name.full}@${version} does not exist`,
        `list the versions with GET /v1/actions/${name.full}/-/versions`,
      );
    if (v.deletedAt)
      throw new RegistryError(
        404,
        'deleted',
        `${name.full}@${version} was deleted on ${v.deletedAt}`,
        'pick another version; a deleted version can never be published again',
      );
    return v;
  }

  async publish(
    p: Principal,
    rawName: string,
    rawVersion: string,
    body: unknown,
    clientIntegrity: string | undefined,
  ): Promise<{ name: string; version: string; integrity: string }> {
    const name = parseActionName(rawName);
    const version = checkVersion(rawVersion);
    requireRole(p, name.scope, 'publisher', 'publish');
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new RegistryError(
        400,
        'empty-body',
        "the request body must be the gzip'd tarball",
        'send the bytes from `caravan action pack` with content-type application/gzip',
      );
    }
    const integrity = `sha512-${createHash('sha512').update(body).digest('base64')}`;
    if (clientIntegrity !== undefined && clientIntegrity !== integrity) {
      throw new RegistryError(
        400,
        'integrity-mismatch',
        `the body's sha512 (${integrity.slice(0, 24)}…) differs from x-caravan-integrity (${clientIntegrity.slice(0, 24)}…)`,
        'the upload was altered or truncated in transit: publish again',
      );
    }
    const existing = await this.store.getVersion(name.full, version);
    if (existing) throw this.conflict(name, version, existing.deletedAt !== undefined);
    let pkg;
    try {
      pkg = await inspectTarball(body, this.limits);
    } catch (err) {
      if (err instanceof TarballError) {
        throw new RegistryError(
          tarballStatus(err),
          `tarball-${err.code}`,
          err.message,
          err.entry ? `offending entry: ${err.entry.slice(0, 200)}` : undefined,
        );
      }
      throw err;
    }
    const action = validateActionYml(pkg.actionYml);
    if (action.name !== name.full || action.version !== version) {
      throw new RegistryError(
        422,
        'spec-mismatch',
        `action.yml says ${action.name}@${action.version} but the URL says ${name.full}@${version}`,
        'publish to the name and version written in action.yml (bump version there for a new release)',
      );
    }
    const sha256 = await this.blobs.put(body);
    await this.checkpoint('publish.blob-written');
    const record: VersionRecord = {
      name: name.full,
      version,
      integrity,
      sha256,
      size: body.length,
      spec: JSON.stringify(action.document),
      description: action.description,
      scope: name.scope,
      publishedAt: new Date().toISOString(),
      publisher: p.user,
      tokenId: p.tokenId,
      yanked: false,
    };
    if (pkg.readme !== undefined)
      record.readme =
        pkg.readme.length > MAX_README
          ? `${pkg.readme.slice(0, MAX_README)}\n\n… (README truncated by the registry at 512 KB)`
          : pkg.readme;
    if (action.category !== undefined) record.category = action.category;
    const outcome = await this.store.publish(
      record,
      this.entry(p, 'publish', `${name.full}@${version}`, name.scope, integrity),
    );
    if (outcome !== 'created') throw this.conflict(name, version, outcome === 'tombstone');
    await this.checkpoint('publish.committed');
    // Only after the commit: a collection that took the blob before it saw the row (see gc.ts).
    if (!(await this.blobs.has(sha256))) await this.blobs.put(body);
    return { name: name.full, version, integrity };
  }

  private conflict(name: ActionName, version: string, deleted: boolean): RegistryError {
    return deleted
      ? new RegistryError(
          409,
          'version-deleted',
          `${name.full}@${version} was deleted and can never be published again`,
          'bump the version in action.yml',
        )
      : new RegistryError(
          409,
          'version-exists',
          `${name.full}@${version} already exists; versions are immutable`,
          'bump the version in action.yml',
        );
  }

  private async readable(p: Principal, rawName: string): Promise<NameView> {
    const name = parseActionName(rawName);
    requireRead(p, name.scope);
    const view = await this.names.getOrLoad(name.full, await this.store.changeEpoch(), async () => ({
      name,
      versions: await this.store.listVersions(name.full),
      distTags: await this.store.distTags(name.full),
      resolved: new Map<string, Resolution>(),
      resolvedJson: new Map<string, string>(),
    }));
    if (!view.versions.some((v) => !v.deletedAt)) {
      throw new RegistryError(
        404,
        'not-found',
        `action "${name.full}" does not exist in this registry`,
        'check the name and its scope (names never fall through to another scope)',
      );
    }
    return view;
  }

  async versions(
    p: Principal,
    rawName: string,
  ): Promise<{ name: string; distTags: Record<string, string>; versions: VersionSummary[] }> {
    const view = await this.readable(p, rawName);
    if (view.list) return view.list;
    const live = view.versions.filter((v) => !v.deletedAt).sort((a, b) => semver.compare(a.version, b.version));
    view.list = {
      name: view.name.full,
      distTags: view.distTags,
      versions: live.map((v) => {
        const s: VersionSummary = {
          version: v.version,
          integrity: v.integrity,
          publishedAt: v.publishedAt,
          yanked: v.yanked,
        };
        if (v.deprecated !== undefined) s.deprecated = v.deprecated;
        return s;
      }),
    };
    return view.list;
  }

  /** The version list as JSON text, serialised once per store epoch (the hot read route). */
  async versionsJson(p: Principal, rawName: string): Promise<string> {
    const list = await this.versions(p, rawName);
    const view = await this.readable(p, rawName);
    view.listJson ??= JSON.stringify(list);
    return view.listJson;
  }

  /** A resolution as JSON text, serialised once per spec and store epoch (the hot read route). */
  async resolveJson(p: Principal, rawName: string, spec: string, includePrerelease: boolean): Promise<string> {
    const view = await this.readable(p, rawName);
    const key = `${includePrerelease ? 'p' : 's'}:${spec}`;
    let json = view.resolvedJson.get(key);
    if (json === undefined) {
      json = JSON.stringify(await this.resolve(p, rawName, spec, includePrerelease));
      if (view.resolvedJson.size < 1000) view.resolvedJson.set(key, json);
    }
    this.resolutions.add(view.name.full);
    return json;
  }

  async resolve(
    p: Principal,
    rawName: string,
    spec: string,
    includePrerelease: boolean,
  ): Promise<Resolution & { name: string; tarball: string }> {
    const view = await this.readable(p, rawName);
    const key = `${includePrerelease ? 'p' : 's'}:${spec}`;
    let r = view.resolved.get(key);
    if (!r) {
      const candidates = view.versions.map((v) => {
        const c = { version: v.version, integrity: v.integrity, yanked: v.yanked, deleted: v.deletedAt !== undefined };
        return v.deprecated === undefined ? c : { ...c, deprecated: v.deprecated };
      });
      r = resolveSpec(view.name.full, spec, candidates, view.distTags, { includePrerelease });
      if (view.resolved.size < 1000) view.resolved.set(key, r);
    }
    return { name: view.name.full, ...r, tarball: `/v1/actions/${view.name.full}/-/versions/${r.version}/tarball` };
  }

  async version(p: Principal, rawName: string, rawVersion: string): Promise<VersionDetail> {
    const name = parseActionName(rawName);
    requireRead(p, name.scope);
    const v = await this.live(name, rawVersion);
    const d: VersionDetail = {
      name: v.name,
      version: v.version,
      integrity: v.integrity,
      spec: JSON.parse(v.spec) as unknown,
      publishedAt: v.publishedAt,
      publisher: v.publisher,
      yanked: v.yanked,
    };
    if (v.readme !== undefined) d.readme = v.readme;
    if (v.deprecated !== undefined) d.deprecated = v.deprecated;
    return d;
  }

  async tarball(p: Principal, rawName: string, rawVersion: string): Promise<{ integrity: string; sha256: string }> {
    const name = parseActionName(rawName);
    requireRead(p, name.scope);
    const v = await this.live(name, rawVersion);
    return { integrity: v.integrity, sha256: v.sha256 };
  }

  async deprecate(p: Principal, rawName: string, rawVersion: string, message: string): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'publisher', 'deprecate');
    await this.live(name, rawVersion);
    await this.store.changeVersion(
      name.full,
      rawVersion,
      { deprecated: message === '' ? null : message },
      this.entry(p, message === '' ? 'undeprecate' : 'deprecate', `${name.full}@${rawVersion}`, name.scope, message),
    );
  }

  async setYanked(p: Principal, rawName: string, rawVersion: string, yanked: boolean): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'publisher', yanked ? 'yank' : 'unyank');
    await this.live(name, rawVersion);
    await this.store.changeVersion(
      name.full,
      rawVersion,
      { yanked },
      this.entry(p, yanked ? 'yank' : 'unyank', `${name.full}@${rawVersion}`, name.scope),
    );
  }

  async delete(p: Principal, rawName: string, rawVersion: string): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'owner', 'delete');
    await this.live(name, rawVersion);
    await this.store.changeVersion(
      name.full,
      rawVersion,
      { delete: true },
      this.entry(p, 'delete', `${name.full}@${rawVersion}`, name.scope),
    );
  }

  async setDistTag(p: Principal, rawName: string, tag: string, rawVersion: string): Promise<void> {
    const name = parseActionName(rawName);
    requireRole(p, name.scope, 'owner', 'set dist-tags');
    // Resolve reads a spec as an integrity, then a version, then a tag, then a range: a tag that looks like one of
    // the others could be set but never resolved.
    if (!TAG.test(tag) || semver.validRange(tag) !== null || INTEGRITY_LIKE.test(tag)) {
      throw new RegistryError(
        400,
        'invalid-tag',
        `"${tag.slice(0, 100)}" is not a valid dist-tag`,
        'tags start with a letter, use a-z, 0-9, ".", "_", "-", and must not look like a version, a range or an integrity (sha512-…)',
      );
    }
    const v = await this.live(name, rawVersion);
    if (tag === 'latest' && v.yanked)
      throw new RegistryError(
        409,
        'yanked',
        `${name.full}@${rawVersion} is yanked and cannot be latest`,
        'unyank it first',
      );
    await this.store.setDistTag(
      name.full,
      tag,
      rawVersion,
      this.entry(p, 'dist-tag', `${name.full}@${rawVersion}`, name.scope, tag),
    );
  }

  /** Writes pending resolution counts; call before closing the store. */
  async close(): Promise<void> {
    await this.resolutions.flush();
  }

  async audit(p: Principal, scope: string, limit: number): Promise<AuditEntry[]> {
    parseScope(scope);
    requireOwnerRead(p, scope, 'read the audit log');
    return this.store.audit(scope, limit);
  }

  whoami(p: Principal): {
    user: string | null;
    admin: boolean;
    scopes: string[];
    access: Access;
    tokenId: string | null;
    grants: { scope: string; role: string }[];
  } {
    return {
      user: p.user === '' ? null : p.user,
      admin: p.admin,
      scopes: p.tokenScopes,
      access: p.access,
      tokenId: p.tokenId === '' ? null : p.tokenId,
      grants: p.grants.filter((g) => g.user === p.user).map((g) => ({ scope: g.scope, role: g.role })),
    };
  }

  async createToken(p: Principal, scopes: string[], access: Access): Promise<{ id: string; token: string }> {
    if (p.user === '')
      throw new RegistryError(
        401,
        'unauthenticated',
        'creating a token needs a token',
        'send Authorization: Bearer <token>',
      );
    for (const s of scopes) if (s !== '*') parseScope(s);
    if (access === 'publish' && p.access !== 'publish') {
      throw new RegistryError(
        403,
        'token-read-only',
        'a read-only token cannot create a publish token',
        'use a token with access "publish"',
      );
    }
    const outside = scopes.filter((s) => !p.tokenScopes.some((e) => e === '*' || (s !== '*' && scopeCovers(e, s))));
    if (outside.length > 0) {
      throw new RegistryError(
        403,
        'token-scope',
        `this token (scopes ${p.tokenScopes.join(', ')}) cannot create a token for ${outside.join(', ')}`,
        'ask for scopes within your own token',
      );
    }
    return issueToken(this.store, p.user, scopes, access, { user: p.user, tokenId: p.tokenId });
  }

  async revokeToken(p: Principal, id: string): Promise<void> {
    if (p.user === '')
      throw new RegistryError(
        401,
        'unauthenticated',
        'revoking a token needs a token',
        'send Authorization: Bearer <token>',
      );
    const t = await this.store.getToken(id);
    if (!t || (t.user !== p.user && !p.admin))
      throw new RegistryError(
        404,
        'not-found',
        `no token "${id.slice(0, 60)}" of yours exists`,
        'list your tokens with caravan registry token list',
      );
    await this.store.revokeToken(id, new Date().toISOString(), this.entry(p, 'token-revoke', id, '', t.user));
  }
}

/** Creates a token for a user and records who created it; returns the token, shown once. */
export async function issueToken(
  store: RegistryStore,
  user: string,
  scopes: string[],
  access: Access,
  by: { user: string; tokenId: string },
): Promise<{ id: string; token: string }> {
  const { id, token, hash } = newToken();
  const at = new Date().toISOString();
  await store.addToken(
    { id, user, hash, scopes, access, createdAt: at },
    {
      at,
      user: by.user,
      tokenId: by.tokenId,
      action: 'token-create',
      target: id,
      scope: '',
      detail: `for ${user}: ${access} ${scopes.join(',')}`,
    },
  );
  return { id, token };
}
