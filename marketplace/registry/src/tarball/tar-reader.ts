/**
 * The one tar reader for every archive Caravan unpacks from outside: registry packages (publish,
 * the client's action cache), step files the agent uploads, step caches and Docker archives.
 *
 * It reads the archive the way the strictest common reader (GNU tar, Python's tarfile) would and
 * refuses anything those readers could see differently from Caravan. Accepted are exactly:
 * - regular files (typeflag `0` or NUL) whose name does not end in `/`;
 * - directories (`5`) without data;
 * - symlinks (`2`) without data whose target stays inside the tree, where the policy allows them;
 * - one pax header (`x`) right before an entry, holding only `path`, `linkpath` and
 *   metadata keys (times, owner), each once, well formed.
 * Hardlinks, devices, pax global headers, GNU long names, Solaris `X` headers, sparse files,
 * volume labels, multi-volume parts, contiguous files and every unknown typeflag are refused,
 * as are data after the end-of-archive marker and numeric fields that readers parse differently.
 * Every file's size counts against `maxBytes` before its body is read, so what an archive
 * materialises on disk is bounded by the policy.
 */
import { followLink, normaliseEntryPath } from './entry-path.js';
import { formatBytes } from './limits.js';
import { TarballError } from './tarball-error.js';

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

const BLOCK = 512;
/** A pax header holds a path, a link path and a few times: far less than this. */
const MAX_PAX_BYTES = 16 * 1024;

/** Pax keys that change what is unpacked and are applied. */
const PAX_APPLIED = new Set(['path', 'linkpath']);
/** Pax keys every reader treats as metadata only; accepted and ignored. */
const PAX_METADATA = new Set(['mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);
const TIME = /^-?[0-9]{1,20}(\.[0-9]{1,9})?$/;
const ID = /^[0-9]{1,20}$/;
const PAX_NUMBERS: Record<string, RegExp> = { mtime: TIME, atime: TIME, ctime: TIME, uid: ID, gid: ID };
const XATTR_KEY = /^(SCHILY\.xattr\.|LIBARCHIVE\.xattr\.)/;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

function shown(text: string): string {
  return JSON.stringify(text.slice(0, 200));
}

/** Pulls exact byte counts out of an async iterable of chunks. */
class ByteReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out so far: where the next header starts. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>) {}

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value)
        ? next.value
        : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const first = this.chunks[0] as Buffer;
      if (first.length <= left) {
        parts.push(first);
        this.chunks.shift();
        left -= first.length;
      } else {
        parts.push(first.subarray(0, left));
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    this.offset += n;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Exactly `n` bytes; undefined when the data ended cleanly before them. */
  async read(n: number, what: string): Promise<Buffer | undefined> {
    await this.fill(n);
    if (this.buffered === 0) return undefined;
    if (this.buffered < n) throw truncated(what);
    return this.take(n);
  }

  /** Between 1 and `max` bytes, as they arrive. */
  async some(max: number, what: string): Promise<Buffer> {
    await this.fill(1);
    if (this.buffered === 0) throw truncated(what);
    return this.take(Math.min(max, (this.chunks[0] as Buffer).length));
  }

  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.some(left, what)).length;
  }

  /** Reads to the end, failing on anything but zero bytes. */
  async expectZeros(): Promise<void> {
    for (;;) {
      await this.fill(1);
      if (this.buffered === 0) return;
      const at = this.offset;
      const chunk = this.take(Math.min(64 * 1024, (this.chunks[0] as Buffer).length));
      if (chunk.some((b) => b !== 0)) {
        throw new TarballError(
          'corrupt',
          `the archive holds data after its end-of-archive marker (byte ${at}); GNU tar and Python stop at the marker while other readers go on, so they would unpack different files`,
        );
      }
    }
  }
}

function truncated(what: string): TarballError {
  return new TarballError('corrupt', `the archive ends in the middle of ${what}; it is truncated`);
}

interface RawHeader {
  name: string;
  linkname: string;
  typeflag: string;
  size: number;
  mode: number;
}

/** Where a header starts and how to make a better archive, for error messages. */
interface Place {
  at: number;
  remedy: string;
}

function headerError(place: Place, detail: string): TarballError {
  return new TarballError('corrupt', `invalid tar header at byte ${place.at}: ${detail}; ${place.remedy}`);
}

const OCTAL = /^ *([0-7]*)[ \0]*$/;

/**
 * A numeric field as every reader would parse it: spaces, octal digits, then only NULs and
 * spaces. tar-stream stops at the first bad character where GNU tar and Python fail, so
 * anything looser is refused. Base-256 is accepted only where the value is ignored.
 */
function numeric(block: Buffer, offset: number, length: number, field: string, at: Place, base256 = false): number {
  const raw = block.subarray(offset, offset + length);
  if ((raw[0] as number) & 0x80) {
    if (base256 && (raw[0] === 0x80 || raw[0] === 0xff)) return 0;
    throw headerError(at, `the ${field} field is in base-256, which is not accepted there`);
  }
  const m = OCTAL.exec(raw.toString('latin1'));
  if (!m || m[1] === '') {
    throw headerError(
      at,
      `the ${field} field ${JSON.stringify(raw.toString('latin1'))} is not an octal number; readers would parse it differently`,
    );
  }
  return parseInt(m[1] as string, 8);
}

function text(block: Buffer, offset: number, length: number, field: string, at: Place): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  try {
    return utf8.decode(end === -1 ? raw : raw.subarray(0, end));
  } catch {
    throw new TarballError(
      'invalid-path',
      `the ${field} at byte ${at.at} is not valid UTF-8; readers would write different names; ${at.remedy}`,
    );
  }
}

function decodeHeader(block: Buffer, at: Place): RawHeader {
  const expected = numeric(block, 148, 8, 'checksum', at);
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  if (sum !== expected) throw headerError(at, 'bad checksum; the archive is corrupt or not a tar file');
  const magic = block.subarray(257, 265).toString('latin1');
  const ustar = magic === 'ustar\u000000';
  if (!ustar && magic !== 'ustar  \u0000') {
    throw headerError(at, 'not a POSIX (ustar) or GNU tar header; old v7 archives are not accepted');
  }
  // Python prepends bytes 345–500 as a prefix whatever the magic; GNU tar and tar-stream only for
  // ustar. In a GNU header they must therefore be empty.
  if (!ustar && block.subarray(345, 500).some((b) => b !== 0)) {
    throw headerError(at, 'a GNU header with data in its prefix field, which readers interpret differently');
  }
  const typeflag = String.fromCharCode(block[156] as number);
  numeric(block, 108, 8, 'uid', at, true);
  numeric(block, 116, 8, 'gid', at, true);
  numeric(block, 136, 12, 'mtime', at, true);
  const size = numeric(block, 124, 12, 'size', at);
  const mode = numeric(block, 100, 8, 'mode', at);
  let name = text(block, 0, 100, 'name', at);
  if (ustar) {
    const prefix = text(block, 345, 155, 'name prefix', at);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return { name, linkname: text(block, 157, 100, 'link name', at), typeflag, size, mode };
}

/** Strict pax records: `<len> <key>=<value>\n`, lengths exact, each key once, nothing after. */
function parsePax(body: Buffer, at: Place, policy: TarPolicy): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    const lenText = space === -1 ? '' : body.subarray(pos, space).toString('latin1');
    const len = /^[1-9][0-9]{0,5}$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len > 0) || pos + len > body.length || body[pos + len - 1] !== 0x0a) {
      throw headerError(at, 'a malformed pax record; readers would recover from it differently');
    }
    let record: string;
    try {
      record = utf8.decode(body.subarray(space + 1, pos + len - 1));
    } catch {
      throw headerError(at, 'a pax record that is not valid UTF-8');
    }
    const eq = record.indexOf('=');
    const key = eq > 0 ? record.slice(0, eq) : '';
    const value = record.slice(eq + 1);
    if (!/^[A-Za-z0-9._-]+$/.test(key)) throw headerError(at, `a pax record without a valid key`);
    if (records.has(key)) throw headerError(at, `the pax key "${key}" appears twice; readers keep different ones`);
    if (!PAX_APPLIED.has(key) && !PAX_METADATA.has(key)) {
      if (policy.ignoreXattrs && XATTR_KEY.test(key)) {
        pos += len;
        continue;
      }
      throw new TarballError(
        'unsupported-entry',
        `the pax header at byte ${at.at} sets "${key}", which is not accepted (only path, linkpath, times and owners are): keys such as size or GNU.sparse.* change how readers frame or expand the next entry; ${policy.words.remedy}`,
      );
    }
    if (value === '') {
      throw headerError(at, `the pax key "${key}" is empty, which some readers take as "unset" and others as ""`);
    }
    const pattern = PAX_NUMBERS[key];
    if (pattern && !pattern.test(value)) {
      throw headerError(at, `the pax key "${key}" holds ${JSON.stringify(value.slice(0, 40))}, which is not a number`);
    }
    records.set(key, value);
    pos += len;
  }
  return records;
}

/** Tracks the tree as entries arrive: counts, sizes, duplicates, entries under files or symlinks. */
class Tree {
  private readonly kinds = new Map<string, TarEntryType>();
  /** Ancestors of every entry so far: they must stay (or become) directories. */
  private readonly implied = new Set<string>();
  private readonly links = new Map<string, string>();
  entries = 0;
  bytes = 0;

  constructor(private readonly policy: TarPolicy) {}

  admit(h: RawHeader, pax: Map<string, string> | undefined): TarEntry {
    const { words } = this.policy;
    const rawName = pax?.get('path') ?? h.name;
    const rawLink = pax?.get('linkpath') ?? h.linkname;
    const refused = REFUSED_TYPES[h.typeflag];
    if (h.typeflag === '3' || h.typeflag === '4' || h.typeflag === '6') {
      const kind = h.typeflag === '3' ? 'character-device' : h.typeflag === '4' ? 'block-device' : 'fifo';
      throw new TarballError(
        'device-file',
        `entry ${shown(rawName)} is a ${kind}; ${this.allowed()}`,
        rawName.slice(0, 200),
      );
    }
    if (refused) {
      throw new TarballError(
        'unsupported-entry',
        `entry ${shown(rawName)} is ${refused.what}: ${refused.why}; ${this.allowed()}; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    let type: TarEntryType;
    if (h.typeflag === '0' || h.typeflag === '\0') type = 'file';
    else if (h.typeflag === '5') type = 'directory';
    else if (h.typeflag === '2') type = 'symlink';
    else {
      const code = h.typeflag.charCodeAt(0);
      const flag = code >= 0x21 && code < 0x7f ? `"${h.typeflag}"` : `0x${code.toString(16).padStart(2, '0')}`;
      throw new TarballError(
        'unsupported-entry',
        `entry ${shown(rawName)} has the unknown type ${flag}, which GNU tar and Python unpack as a plain file while other readers skip it; ${this.allowed()}; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type === 'file' && rawName.endsWith('/')) {
      throw new TarballError(
        'unsupported-entry',
        `entry ${shown(rawName)} is a regular file whose name ends in "/", which old tar readers unpack as a directory and others as a file; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type !== 'file' && h.size !== 0) {
      throw new TarballError(
        'unsupported-entry',
        `${type} entry ${shown(rawName)} carries ${h.size} bytes of data, which some readers skip and others read as the next header; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type !== 'symlink' && rawLink !== '') {
      throw new TarballError(
        'unsupported-entry',
        `${type} entry ${shown(rawName)} names a link target although it is not a link; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    if (type === 'symlink' && !this.policy.symlinks) {
      throw new TarballError(
        'unsupported-entry',
        `entry ${shown(rawName)} is a symlink; ${this.allowed()}; ${words.remedy}`,
        rawName.slice(0, 200),
      );
    }
    const path = normaliseEntryPath(rawName, this.policy.maxPathBytes, words);
    if (this.entries + 1 > this.policy.maxEntries) {
      throw new TarballError(
        'too-many-entries',
        `the ${words.archive} has more than ${this.policy.maxEntries} entries (the limit); ${words.shrink}`,
        path,
      );
    }
    if (this.kinds.has(path)) {
      throw new TarballError(
        'duplicate-entry',
        `entry "${path}" appears twice in the archive; a ${words.archive} holds each path once`,
        path,
      );
    }
    this.checkPlace(path, type);
    if (type === 'file' && this.bytes + h.size > this.policy.maxBytes) {
      throw new TarballError(
        'too-large',
        `the ${words.archive} unpacks to more than ${formatBytes(this.policy.maxBytes)} (the limit) at entry "${path}" (${formatBytes(h.size)}); ${words.shrink}`,
        path,
      );
    }
    const entry: TarEntry = { path, type, size: type === 'file' ? h.size : 0, mode: 0o755 };
    if (type === 'file') entry.mode = h.mode & 0o111 ? 0o755 : 0o644;
    if (type === 'symlink') {
      entry.mode = 0o777;
      entry.linkTarget = this.checkLinkTarget(path, rawLink);
      this.links.set(path, entry.linkTarget);
    }
    this.entries += 1;
    this.bytes += entry.size;
    this.kinds.set(path, type);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) this.implied.add(parts.slice(0, i).join('/'));
    return entry;
  }

  private allowed(): string {
    const kinds = this.policy.symlinks
      ? 'regular files, directories and symlinks inside it'
      : 'regular files and directories';
    return `a ${this.policy.words.archive} may hold only ${kinds}`;
  }

  /** No entry under a file or a symlink, and no file or symlink where earlier entries put a directory. */
  private checkPlace(path: string, type: TarEntryType): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      const kind = this.kinds.get(ancestor);
      if (kind === 'symlink') {
        throw new TarballError(
          'link-outside',
          `entry "${path}" lies under the symlink "${ancestor}"; a ${this.policy.words.archive} may not write through its own symlinks`,
          path,
        );
      }
      if (kind === 'file') {
        throw new TarballError(
          'invalid-path',
          `entry "${path}" lies under "${ancestor}", which is a file; fix the archive`,
          path,
        );
      }
    }
    if (type !== 'directory' && this.implied.has(path)) {
      throw new TarballError(
        type === 'symlink' ? 'link-outside' : 'invalid-path',
        `entry "${path}" is a ${type} but earlier entries lie under it; a ${this.policy.words.archive} may not write through its own ${type}s`,
        path,
      );
    }
  }

  private checkLinkTarget(path: string, target: string): string {
    if (
      target === '' ||
      target.startsWith('/') ||
      /^[A-Za-z]:/.test(target) ||
      target.includes('\0') ||
      target.includes('\\') ||
      Buffer.byteLength(target) > this.policy.maxPathBytes
    ) {
      throw new TarballError(
        'link-outside',
        `symlink "${path}" points to ${shown(target)}, outside ${this.policy.words.folder}; use a relative link to a file inside the ${this.policy.words.archive}`,
        path,
      );
    }
    return target;
  }

  /** Checks that need the whole archive: where each symlink ends up through the others. */
  finish(): void {
    for (const [path, target] of this.links) {
      const verdict = followLink(path, target, this.links);
      if (verdict !== 'inside') {
        const why = verdict === 'loop' ? 'forms a symlink loop' : `resolves outside ${this.policy.words.folder}`;
        throw new TarballError(
          'link-outside',
          `symlink "${path}" -> "${target}" ${why}; use a relative link to a file inside the ${this.policy.words.archive}`,
          path,
        );
      }
    }
  }
}

/**
 * Reads a tar archive (not gzip'd; a stream or chunks in memory) under `policy`, yielding each
 * entry and its body in order. The checks that need the whole archive (symlink targets) run after
 * the last entry, so a caller that writes must create symlinks only once this generator has
 * finished. Throws `TarballError`.
 */
export async function* readTar(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  policy: TarPolicy,
): AsyncGenerator<TarItem, void> {
  const source = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
  const bytes = new ByteReader(source);
  const tree = new Tree(policy);
  try {
    let pax: Map<string, string> | undefined;
    for (;;) {
      const at: Place = { at: bytes.offset, remedy: policy.words.remedy };
      const block = await bytes.read(BLOCK, 'a header');
      if (block === undefined || block.every((b) => b === 0)) {
        if (pax) throw headerError(at, 'a pax header with no entry after it');
        if (block !== undefined) await bytes.expectZeros();
        break;
      }
      const header = decodeHeader(block, at);
      const padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
      if (header.typeflag === 'x') {
        if (pax) throw headerError(at, 'two pax headers for one entry; readers merge them differently');
        if (header.size > MAX_PAX_BYTES) {
          throw headerError(at, `a pax header of ${header.size} bytes (at most ${MAX_PAX_BYTES} are accepted)`);
        }
        const body = header.size === 0 ? Buffer.alloc(0) : await bytes.read(header.size, 'a pax header');
        if (body === undefined) throw truncated('a pax header');
        await bytes.skip(padding, 'a pax header');
        pax = parsePax(body, at, policy);
        continue;
      }
      const entry = tree.admit(header, pax);
      pax = undefined;
      let left = entry.size;
      const body = (async function* () {
        while (left > 0) {
          const chunk = await bytes.some(left, `the body of "${entry.path}"`);
          left -= chunk.length;
          yield chunk;
        }
      })();
      yield { entry, body };
      await bytes.skip(left + padding, `the body of "${entry.path}"`);
    }
    tree.finish();
  } finally {
    await source.return?.();
  }
}
