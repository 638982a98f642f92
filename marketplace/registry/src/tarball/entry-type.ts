/** Which tar typeflags become entries, and why each refused one is refused. */
import { shown } from './entry-path.js';
import type { TarEntryType } from './tar-entry.js';
import type { TarPolicy } from './tar-policy.js';
import { TarballError } from './tarball-error.js';

/** What each refused typeflag is, and why readers disagree about it. */
const REFUSED_TYPES: Record<string, { what: string; why: string }> = {
  '1': {
    what: 'a hardlink',
    why: 'hardlinks are refused: unpacked as copies, a few links to one large file multiply its size past every limit, and readers disagree on which entry a link names; replace the link with a copy of the file',
  },
  '7': {
    what: 'a contiguous file (type 7)',
    why: 'readers unpack it as a plain file or refuse it; store it as a regular file',
  },
  g: {
    what: 'a pax global header (type g)',
    why: 'GNU tar applies it to every later entry while other readers ignore it or apply it only in part',
  },
  L: {
    what: 'a GNU long-name header (type L)',
    why: 'it renames the next entry, and readers differ on how it combines with pax headers; use pax headers (`tar --format=pax`) instead',
  },
  K: {
    what: 'a GNU long-link header (type K)',
    why: 'it retargets the next link, and readers differ on how it combines with pax headers; use pax headers (`tar --format=pax`) instead',
  },
  N: {
    what: 'an old GNU long-names entry (type N)',
    why: 'some readers take it as a long name for the next entry, GNU tar as a list of renames',
  },
  X: {
    what: 'a Solaris extended header (type X)',
    why: 'GNU tar and Python read it as a pax header that renames the next entry, while others unpack it as a file',
  },
  S: { what: 'a GNU sparse file (type S)', why: 'its data is a sparse map that only GNU-aware readers expand' },
  V: { what: 'a volume label (type V)', why: 'GNU tar skips it while other readers unpack it as a file' },
  M: {
    what: 'a multi-volume continuation (type M)',
    why: 'it is the tail of a file from another volume, which readers handle differently',
  },
  D: { what: 'a GNU directory dump (type D)', why: 'it lists directory contents only GNU tar understands' },
};

/** What a package under `policy` may hold, for error messages. */
export function allowedEntries(policy: TarPolicy): string {
  const kinds = policy.symlinks ? 'regular files, directories and symlinks inside it' : 'regular files and directories';
  return `a ${policy.words.archive} may hold only ${kinds}`;
}

/** The entry type of `typeflag`; throws for devices, refused and unknown types. */
export function entryTypeOf(typeflag: string, rawName: string, policy: TarPolicy): TarEntryType {
  const refused = REFUSED_TYPES[typeflag];
  if (typeflag === '3' || typeflag === '4' || typeflag === '6') {
    const kind = typeflag === '3' ? 'character-device' : typeflag === '4' ? 'block-device' : 'fifo';
    throw new TarballError(
      'device-file',
      `entry ${shown(rawName)} is a ${kind}; ${allowedEntries(policy)}`,
      rawName.slice(0, 200),
    );
  }
  if (refused) {
    throw new TarballError(
      'unsupported-entry',
      `entry ${shown(rawName)} is ${refused.what}: ${refused.why}; ${allowedEntries(policy)}; ${policy.words.remedy}`,
      rawName.slice(0, 200),
    );
  }
  if (typeflag === '0' || typeflag === '\0') return 'file';
  if (typeflag === '5') return 'directory';
  if (typeflag === '2') return 'symlink';
  const code = typeflag.charCodeAt(0);
  const flag = code >= 0x21 && code < 0x7f ? `"${typeflag}"` : `0x${code.toString(16).padStart(2, '0')}`;
  throw new TarballError(
    'unsupported-entry',
    `entry ${shown(rawName)} has the unknown type ${flag}, which GNU tar and Python unpack as a plain file while other readers skip it; ${allowedEntries(policy)}; ${policy.words.remedy}`,
    rawName.slice(0, 200),
  );
}
