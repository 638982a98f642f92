/**
 * Removes the blobs no live version uses (deleted versions leave theirs behind). Only blobs
 * untouched for `minAgeMs` go: a young unused blob may belong to a publish in progress.
 *
 * Safe beside publishes in any process, without a lock: a collection first moves a blob it
 * found unused into the trash, *then* asks the store again, and gives it back if a version now
 * uses it. A publish commits its version row, *then* looks for its blob and writes it again if it
 * is gone. Whichever of the two comes second sees the other's step, so a version that answered
 * 201 always has its bytes.
 */
import type { BlobStore } from './blobs.js';
import type { RegistryStore } from './store/types.js';

export const DEFAULT_GC_MIN_AGE_MS = 60 * 60 * 1000;

/** Where a collection can be held up in tests, to prove the interleavings with a publish. */
export type GcCheckpoint = 'gc.unused' | 'gc.trashed';

export interface GcOptions {
  minAgeMs?: number;
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  now?: number;
  checkpoint?: (point: GcCheckpoint, sha256: string) => Promise<void>;
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
  const checkpoint = o.checkpoint ?? (async () => undefined);
  const result: GcResult = { removed: [], young: 0, inUse: 0 };
  if (!o.dryRun) await settleAbandonedTrash(store, blobs);
  for await (const blob of blobs.list()) {
    if (await store.blobInUse(blob.sha256)) {
      result.inUse++;
      continue;
    }
    if (now - blob.mtimeMs < minAge) {
      result.young++;
      continue;
    }
    if (o.dryRun) {
      result.removed.push({ sha256: blob.sha256, size: blob.size });
      continue;
    }
    await checkpoint('gc.unused', blob.sha256);
    const trashed = await blobs.trash(blob.sha256);
    if (trashed === undefined) continue;
    await checkpoint('gc.trashed', blob.sha256);
    if (await store.blobInUse(blob.sha256)) {
      await blobs.restore(trashed, blob.sha256);
      result.inUse++;
      continue;
    }
    await blobs.purge(trashed);
    result.removed.push({ sha256: blob.sha256, size: blob.size });
  }
  return result;
}

/** Finishes what a killed collection left in the trash: gives back what is in use, removes the rest. */
async function settleAbandonedTrash(store: RegistryStore, blobs: BlobStore): Promise<void> {
  for await (const t of blobs.abandonedTrash()) {
    if (await store.blobInUse(t.sha256)) await blobs.restore(t.path, t.sha256);
    else await blobs.purge(t.path);
  }
}
