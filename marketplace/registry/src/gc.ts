/**
 * Removes the blobs no live version uses (deleted versions leave theirs behind). Only blobs
 * untouched for `minAgeMs` go: a publish writes (or touches) its blob before the version row
 * commits, so a young unused blob may be about to be used. A publish also re-writes its blob
 * after the commit if a collection took it in that instant.
 */
import type { BlobStore } from './blobs.js';
import type { RegistryStore } from './store/types.js';

export const DEFAULT_GC_MIN_AGE_MS = 60 * 60 * 1000;

export interface GcOptions {
  minAgeMs?: number;
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  now?: number;
}

export interface GcResult {
  removed: { sha256: string; size: number }[];
  /** Unused blobs left because they are younger than the minimum age. */
  young: number;
  inUse: number;
}

export async function collectGarbage(store: RegistryStore, blobs: BlobStore, o: GcOptions = {}): Promise<GcResult> {
  const minAge = o.minAgeMs ?? DEFAULT_GC_MIN_AGE_MS;
  const now = o.now ?? Date.now();
  const result: GcResult = { removed: [], young: 0, inUse: 0 };
  for await (const blob of blobs.list()) {
    if (await store.blobInUse(blob.sha256)) {
      result.inUse++;
      continue;
    }
    if (now - blob.mtimeMs < minAge) {
      result.young++;
      continue;
    }
    if (!o.dryRun) await blobs.remove(blob.sha256);
    result.removed.push({ sha256: blob.sha256, size: blob.size });
  }
  return result;
}
