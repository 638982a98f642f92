/** Bounds every package must stay within, checked before anything is written or stored. */
export interface TarballLimits {
  /** Entries in the archive (files, directories and symlinks). */
  maxEntries: number;
  /** Sum of the sizes of all files once unpacked. */
  maxUnpackedBytes: number;
  /** Size of the gzip'd tarball itself. */
  maxCompressedBytes: number;
  /** Inflated bytes per compressed byte, checked once more than `ratioFloorBytes` have been inflated. */
  maxCompressionRatio: number;
  ratioFloorBytes: number;
  /** Length of one entry's path, in bytes. */
  maxPathBytes: number;
}

export const DEFAULT_TARBALL_LIMITS: Readonly<TarballLimits> = Object.freeze({
  maxEntries: 1000,
  maxUnpackedBytes: 50 * 1024 * 1024,
  maxCompressedBytes: 10 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioFloorBytes: 1024 * 1024,
  maxPathBytes: 1024,
});

export function withDefaults(limits?: Partial<TarballLimits>): TarballLimits {
  return { ...DEFAULT_TARBALL_LIMITS, ...limits };
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB`;
  return `${n} bytes`;
}
