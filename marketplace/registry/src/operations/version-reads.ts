/** The read routes: version lists, resolutions and single versions, cached per name and store epoch. */
import semver from 'semver';
import { requireRead, type Principal } from '../auth/principal.js';
import type { ResolutionCounter } from '../catalog/resolution-counter.js';
import { RegistryError } from '../errors.js';
import { parseActionName, type ActionName } from '../names.js';
import { EpochCache } from '../read-cache.js';
import { resolveSpec, type Resolution } from '../resolve.js';
import type { RegistryStore, VersionInfo } from '../store/types.js';
import { liveVersion } from './live-version.js';

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

export class VersionReads {
  private readonly names = new EpochCache<NameView>();

  constructor(
    private readonly store: RegistryStore,
    /** Successful resolutions, counted per name. */
    private readonly resolutions: ResolutionCounter,
  ) {}

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
    const v = await liveVersion(this.store, name, rawVersion);
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
    const v = await liveVersion(this.store, name, rawVersion);
    return { integrity: v.integrity, sha256: v.sha256 };
  }
}
