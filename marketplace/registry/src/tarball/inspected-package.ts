export type PackageEntryType = 'file' | 'directory' | 'symlink';

export interface PackageEntry {
  /** Normalised relative path, `/`-separated. */
  path: string;
  size: number;
  type: PackageEntryType;
  /** 0o644 or 0o755 for files, 0o755 for directories, 0o777 for symlinks. */
  mode: number;
  /** Symlink target, as written in the archive. */
  linkTarget?: string;
}

/** A package read and checked in memory; nothing of it has touched the disk. */
export interface InspectedPackage {
  entries: PackageEntry[];
  file(path: string): Buffer | undefined;
  actionYml: string;
  readme?: string;
  unpackedSize: number;
}
