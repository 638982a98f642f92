import { Transform, type TransformCallback } from 'node:stream';
import { formatBytes, type TarballLimits } from './limits.js';
import { TarballError } from './tarball-error.js';

/** Tar headers, pax records and padding allowed on top of the file bytes. */
const OVERHEAD_PER_ENTRY = 4096;

/**
 * Sits between gunzip and the tar parser and fails the stream the moment the inflated bytes cross
 * the unpacked limit or the compression ratio guard, so a gzip bomb is never inflated in full.
 */
export class InflateGuard extends Transform {
  private inflated = 0;
  private readonly maxInflated: number;

  /** `compressedSoFar` says how many compressed bytes have been fed to gunzip up to now. */
  constructor(
    private readonly compressedSoFar: () => number,
    private readonly limits: TarballLimits,
  ) {
    super();
    this.maxInflated = limits.maxUnpackedBytes + (limits.maxEntries + 2) * OVERHEAD_PER_ENTRY;
  }

  get inflatedBytes(): number {
    return this.inflated;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.inflated += chunk.length;
    if (this.inflated > this.maxInflated) {
      done(
        new TarballError(
          'too-large',
          `the package unpacks to more than ${formatBytes(this.limits.maxUnpackedBytes)} (the limit); remove large files or list them in .caravanignore`,
        ),
      );
      return;
    }
    const compressed = Math.max(1, this.compressedSoFar());
    const ratio = this.inflated / compressed;
    if (this.inflated > this.limits.ratioFloorBytes && ratio > this.limits.maxCompressionRatio) {
      done(
        new TarballError(
          'too-large',
          `the package inflates more than ${this.limits.maxCompressionRatio}:1 (${formatBytes(compressed)} compressed became ${formatBytes(this.inflated)}): refused as a likely gzip bomb; publish real files instead of padding`,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}
