/**
 * Step files live in the registry's blob store (`$CARAVAN_HOME/blobs/<aa>/<sha256>`): one store
 * for the whole project, which fsyncs each blob before renaming it into place and sweeps the temp
 * files a killed process left behind.
 */
import type { Readable } from 'node:stream';

export { BlobStore, BlobTooLargeError } from '@caravan/registry';

/** What a step's inputs read: a stored blob by its address. */
export interface BlobSource {
  read(sha256: string): Readable;
}
