import semver from 'semver';

/** The version `latest` points to when no owner chose it: the highest stable, live, non-yanked version. */
export function automaticLatest(versions: { version: string; yanked: boolean; deleted: boolean }[]): string | undefined {
  const candidates = versions.filter((v) => !v.yanked && !v.deleted && semver.prerelease(v.version) === null).map((v) => v.version);
  const stable = semver.rsort(candidates)[0];
  if (stable) return stable;
  // Only pre-releases: point at the highest one so the name still resolves by tag.
  const any = versions.filter((v) => !v.yanked && !v.deleted).map((v) => v.version);
  return semver.rsort(any)[0];
}
