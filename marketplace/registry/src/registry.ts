/**
 * The registry's operations, independent of HTTP: every route is a thin wrapper over one method
 * here. Each method authorises first, then reads or writes through the store; the work itself
 * lives in `operations/`, one file a concern.
 */
import { requireOwnerRead, type Principal } from './auth/principal.js';
import type { BlobStore } from './blobs.js';
import type { Clock } from './catalog/clock.js';
import { ResolutionCounter } from './catalog/resolution-counter.js';
import { StoreCatalog } from './catalog/store-catalog.js';
import type { Catalog } from './catalog/types.js';
import { parseScope } from './names.js';
import { Principals, whoamiOf, type WhoamiAnswer } from './operations/principals.js';
import { publishVersion, type PublishCheckpoint, type Publisher } from './operations/publish.js';
import { createToken, revokeToken } from './operations/tokens.js';
import { VersionChanges } from './operations/version-changes.js';
import { VersionReads, type VersionDetail, type VersionSummary } from './operations/version-reads.js';
import type { Resolution } from './resolve.js';
import type { Access, AuditEntry, RegistryStore } from './store/types.js';
import { DEFAULT_TARBALL_LIMITS, type TarballLimits } from './tarball/index.js';

export type { PublishCheckpoint } from './operations/publish.js';
export type { VersionDetail, VersionSummary } from './operations/version-reads.js';

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

export class Registry {
  readonly store: RegistryStore;
  readonly blobs: BlobStore;
  readonly limits: TarballLimits;
  /** What the storefront and `caravan action search|show` read, filtered by read permission. */
  readonly catalog: Catalog;
  /** Successful resolutions, written to the store's daily counters every few seconds. */
  readonly resolutions: ResolutionCounter;
  private readonly principals: Principals;
  private readonly publisher: Publisher;
  private readonly reads: VersionReads;
  private readonly changes: VersionChanges;

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
    this.principals = new Principals(opts.store);
    this.publisher = {
      store: opts.store,
      blobs: opts.blobs,
      limits: this.limits,
      checkpoint: opts.checkpoint ?? (async () => undefined),
    };
    this.reads = new VersionReads(opts.store, this.resolutions);
    this.changes = new VersionChanges(opts.store);
  }

  principal(authorization: string | undefined): Promise<Principal> {
    return this.principals.of(authorization);
  }

  publish(
    p: Principal,
    rawName: string,
    rawVersion: string,
    body: unknown,
    clientIntegrity: string | undefined,
  ): Promise<{ name: string; version: string; integrity: string }> {
    return publishVersion(this.publisher, p, rawName, rawVersion, body, clientIntegrity);
  }

  versions(
    p: Principal,
    rawName: string,
  ): Promise<{ name: string; distTags: Record<string, string>; versions: VersionSummary[] }> {
    return this.reads.versions(p, rawName);
  }

  /** The version list as JSON text, serialised once per store epoch (the hot read route). */
  versionsJson(p: Principal, rawName: string): Promise<string> {
    return this.reads.versionsJson(p, rawName);
  }

  /** A resolution as JSON text, serialised once per spec and store epoch (the hot read route). */
  resolveJson(p: Principal, rawName: string, spec: string, includePrerelease: boolean): Promise<string> {
    return this.reads.resolveJson(p, rawName, spec, includePrerelease);
  }

  resolve(
    p: Principal,
    rawName: string,
    spec: string,
    includePrerelease: boolean,
  ): Promise<Resolution & { name: string; tarball: string }> {
    return this.reads.resolve(p, rawName, spec, includePrerelease);
  }

  version(p: Principal, rawName: string, rawVersion: string): Promise<VersionDetail> {
    return this.reads.version(p, rawName, rawVersion);
  }

  tarball(p: Principal, rawName: string, rawVersion: string): Promise<{ integrity: string; sha256: string }> {
    return this.reads.tarball(p, rawName, rawVersion);
  }

  deprecate(p: Principal, rawName: string, rawVersion: string, message: string): Promise<void> {
    return this.changes.deprecate(p, rawName, rawVersion, message);
  }

  setYanked(p: Principal, rawName: string, rawVersion: string, yanked: boolean): Promise<void> {
    return this.changes.setYanked(p, rawName, rawVersion, yanked);
  }

  delete(p: Principal, rawName: string, rawVersion: string): Promise<void> {
    return this.changes.delete(p, rawName, rawVersion);
  }

  setDistTag(p: Principal, rawName: string, tag: string, rawVersion: string): Promise<void> {
    return this.changes.setDistTag(p, rawName, tag, rawVersion);
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

  whoami(p: Principal): WhoamiAnswer {
    return whoamiOf(p);
  }

  createToken(p: Principal, scopes: string[], access: Access): Promise<{ id: string; token: string }> {
    return createToken(this.store, p, scopes, access);
  }

  revokeToken(p: Principal, id: string): Promise<void> {
    return revokeToken(this.store, p, id);
  }
}
