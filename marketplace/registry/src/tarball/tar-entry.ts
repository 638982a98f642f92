/** What the tar reader yields: each accepted entry, normalised, and its body. */
export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarEntry {
  /** Normalised relative path, `/`-separated. */
  path: string;
  type: TarEntryType;
  /** Bytes of the body (0 for directories and symlinks). */
  size: number;
  /** 0o644 or 0o755 for files, 0o755 for directories, 0o777 for symlinks. */
  mode: number;
  linkTarget?: string;
}

export interface TarItem {
  entry: TarEntry;
  /** The file's bytes; read it before asking for the next item (what is left unread is skipped). */
  body: AsyncIterable<Buffer>;
}
