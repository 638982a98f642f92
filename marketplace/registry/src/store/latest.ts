import semver from 'semver';

export interface LatestCandidate {
  version: string;
  yanked: boolean;
  deleted: boolean;
}

/** The version `latest` points to when no owner chose it: the highest stable, live, non-yanked version. */
export function automaticLatest(versions: LatestCandidate[]): string | undefined {
  const stable = versions
    .filter((v) => !v.yanked && !v.deleted && semver.prerelease(v.version) === null)
    .map((v) => v.version);
  return semver.rsort(stable)[0];
}

export interface TagRow {
  tag: string;
  version: string;
  explicit: boolean;
}

/**
 * The dist-tag writes that bring a name's tags in line with its versions: `latest` follows the
 * automatic choice unless an owner set it to a version that is still live and not yanked; tags on
 * deleted versions go away.
 */
export function reconcileTags(versions: LatestCandidate[], tags: TagRow[]): { set: TagRow[]; remove: string[] } {
  const live = new Map(versions.filter((v) => !v.deleted).map((v) => [v.version, v]));
  const set: TagRow[] = [];
  const remove: string[] = [];
  for (const t of tags) {
    if (t.tag !== 'latest' && !live.has(t.version)) remove.push(t.tag);
  }
  const current = tags.find((t) => t.tag === 'latest');
  const chosen = current?.explicit ? live.get(current.version) : undefined;
  if (chosen && !chosen.yanked) return { set, remove };
  const auto = automaticLatest(versions);
  if (auto === undefined) {
    if (current) remove.push('latest');
  } else if (!current || current.version !== auto || current.explicit) {
    set.push({ tag: 'latest', version: auto, explicit: false });
  }
  return { set, remove };
}
