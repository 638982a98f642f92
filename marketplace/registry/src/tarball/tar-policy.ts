/** The words errors use, so each archive is named as its user knows it. */
export interface TarWords {
  /** `package`, `step file`: "a package may hold only …". */
  archive: string;
  /** `the action folder`: "… would be written outside the action folder". */
  folder: string;
  /** How to make an acceptable archive. */
  remedy: string;
  /** How to stay within the size and entry limits. */
  shrink: string;
}

export interface TarPolicy {
  /** Entries (files, directories, symlinks). */
  maxEntries: number;
  /** Sum of the sizes of every file written out. */
  maxBytes: number;
  /** Length of one entry's path, in bytes. */
  maxPathBytes: number;
  /** Symlinks whose target stays inside the tree; refused when false. */
  symlinks: boolean;
  /** Skip extended attributes in pax headers instead of refusing them (archives from a container runtime). */
  ignoreXattrs?: boolean;
  words: TarWords;
}

export const PACKAGE_WORDS: TarWords = Object.freeze({
  archive: 'package',
  folder: 'the action folder',
  remedy: 'create the package with `caravan action pack`',
  shrink: 'remove large files or list them in .caravanignore',
});
