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
import { ByteReader, truncated } from './byte-reader.js';
import { MAX_PAX_BYTES, parsePax } from './pax-header.js';
import type { TarItem } from './tar-entry.js';
import { BLOCK, decodeHeader, headerError, type Place } from './tar-header.js';
import type { TarPolicy } from './tar-policy.js';
import { TarTree } from './tar-tree.js';

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
  const tree = new TarTree(policy);
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
