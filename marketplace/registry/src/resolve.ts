/**
 * Picks one exact version for a spec: an exact version, a semver range, a dist-tag or an
 * integrity (`sha512-…`). Highest match in semver order; pre-releases only when the range names
 * one or `includePrerelease` is set; yanked versions only when pinned exactly; deprecated ones with
 * a warning. Works on one name's versions only: there is no fall-through to another scope.
 */
import semver from 'semver';
import { RegistryError } from './errors.js';

export interface Candidate {
  version: string;
  integrity: string;
  yanked: boolean;
  deprecated?: string;
  deleted: boolean;
}

export interface Resolution {
  version: string;
  integrity: string;
  deprecated?: string;
  warnings: string[];
}

function listed(versions: Candidate[]): string {
  const live = semver.rsort(versions.filter((v) => !v.deleted && !v.yanked).map((v) => v.version));
  if (live.length === 0) return 'it has no installable versions';
  const shown = live.slice(0, 15).join(', ');
  return `available: ${shown}${live.length > 15 ? `, … (${live.length} in all)` : ''}`;
}

function done(name: string, c: Candidate, pinned: boolean): Resolution {
  const warnings: string[] = [];
  if (c.yanked && pinned)
    warnings.push(`${name}@${c.version} is yanked: it resolves only because it was pinned exactly`);
  if (c.deprecated !== undefined) warnings.push(`${name}@${c.version} is deprecated: ${c.deprecated}`);
  const r: Resolution = { version: c.version, integrity: c.integrity, warnings };
  if (c.deprecated !== undefined) r.deprecated = c.deprecated;
  return r;
}

function notFound(name: string, spec: string, versions: Candidate[], why = 'nothing matches'): RegistryError {
  return new RegistryError(
    404,
    'no-matching-version',
    `${name}@${spec}: ${why}; ${listed(versions)}`,
    'use an exact version, a range such as ^1.2, a dist-tag or sha512-…',
  );
}

export function resolveSpec(
  name: string,
  rawSpec: string,
  versions: Candidate[],
  distTags: Record<string, string>,
  opts: { includePrerelease?: boolean } = {},
): Resolution {
  const spec = rawSpec.trim() === '' || (rawSpec.trim() === '*' && !opts.includePrerelease) ? 'latest' : rawSpec.trim();
  if (versions.filter((v) => !v.deleted).length === 0) {
    throw new RegistryError(
      404,
      'not-found',
      `action "${name}" does not exist in this registry`,
      'check the name and its scope (names never fall through to another scope)',
    );
  }
  if (spec.startsWith('sha512-')) {
    const hit = versions.find((v) => v.integrity === spec && !v.deleted);
    if (!hit) throw notFound(name, spec.slice(0, 30), versions, 'no version has this integrity');
    return done(name, hit, true);
  }
  const exact = semver.valid(spec);
  if (exact !== null && /^[v=]?\d/.test(spec) && !/\s/.test(spec)) {
    const hit = versions.find((v) => v.version === exact);
    if (!hit) throw notFound(name, spec, versions, `version ${exact} was never published`);
    if (hit.deleted) throw notFound(name, spec, versions, `version ${exact} was deleted`);
    return done(name, hit, true);
  }
  const tagged = Object.hasOwn(distTags, spec) ? distTags[spec] : undefined;
  if (tagged !== undefined) {
    const hit = versions.find((v) => v.version === tagged && !v.deleted);
    if (!hit) throw notFound(name, spec, versions, `dist-tag "${spec}" points at a missing version`);
    return done(name, hit, false);
  }
  if (spec === 'latest')
    throw notFound(name, spec, versions, 'it has no stable version (ask for a pre-release range explicitly)');
  const range = semver.validRange(spec);
  if (range === null) {
    throw new RegistryError(
      400,
      'invalid-range',
      `"${spec.slice(0, 100)}" is not a version, a semver range, a dist-tag of ${name} or an integrity`,
      `dist-tags of ${name}: ${Object.keys(distTags).join(', ') || 'none'}`,
    );
  }
  const live = versions.filter((v) => !v.deleted && !v.yanked);
  const best = semver.maxSatisfying(
    live.map((v) => v.version),
    range,
    { includePrerelease: opts.includePrerelease === true },
  );
  const hit = best === null ? undefined : live.find((v) => v.version === best);
  if (!hit) throw notFound(name, spec, versions);
  return done(name, hit, false);
}
