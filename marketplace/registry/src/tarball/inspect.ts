import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InflateGuard } from './inflate-guard.js';
import type { InspectedPackage, PackageEntry } from './inspected-package.js';
import { formatBytes, withDefaults, type TarballLimits } from './limits.js';
import { readTar } from './tar-reader.js';
import { PACKAGE_WORDS, type TarPolicy } from './tar-policy.js';
import { TarballError } from './tarball-error.js';

const README = /^readme(\.md|\.markdown|\.txt)?$/i;

/** What a package may hold: files, directories and symlinks inside it, within the limits. */
export function packagePolicy(limits: TarballLimits): TarPolicy {
  return {
    maxEntries: limits.maxEntries,
    maxBytes: limits.maxUnpackedBytes,
    maxPathBytes: limits.maxPathBytes,
    symlinks: true,
    words: PACKAGE_WORDS,
  };
}

function corrupt(err: unknown, what: string): TarballError {
  if (err instanceof TarballError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new TarballError('corrupt', `${what}: ${detail}; create the package with \`caravan action pack\``);
}

/** Fed to gunzip in small slices so the ratio guard compares against what was actually consumed. */
function* slices(data: Buffer, size = 16 * 1024): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

interface ReadPackage {
  entries: PackageEntry[];
  files: Map<string, Buffer>;
  unpackedSize: number;
}

async function readEntries(tgz: Buffer, limits: TarballLimits): Promise<ReadPackage> {
  const read: ReadPackage = { entries: [], files: new Map(), unpackedSize: 0 };
  let fed = 0;
  const source = Readable.from(slices(tgz), { objectMode: false });
  source.on('data', (chunk: Buffer) => {
    fed += chunk.length;
  });
  // The first failure is the cause (gunzip, the inflate guard or a refused entry); the pipeline
  // itself may only report the abort that followed.
  let cause: unknown;
  const collect = async (inflated: AsyncIterable<Buffer>): Promise<void> => {
    try {
      for await (const { entry, body } of readTar(inflated, packagePolicy(limits))) {
        if (entry.type === 'file') {
          const chunks: Buffer[] = [];
          for await (const chunk of body) chunks.push(chunk);
          const bytes = Buffer.concat(chunks);
          read.files.set(entry.path, bytes);
          read.unpackedSize += bytes.length;
        }
        read.entries.push(entry);
      }
    } catch (err) {
      cause = err;
      throw err;
    }
  };
  try {
    await pipeline(source, createGunzip(), new InflateGuard(() => fed, limits), collect);
  } catch (err) {
    throw corrupt(cause ?? err, "the package is not a valid gzip'd tar archive");
  }
  return read;
}

/** Reads and checks a gzip'd tarball entirely in memory; throws `TarballError` on anything hostile. */
export async function inspectTarball(tgz: Buffer, limits?: Partial<TarballLimits>): Promise<InspectedPackage> {
  const l = withDefaults(limits);
  if (tgz.length > l.maxCompressedBytes) {
    throw new TarballError(
      'too-large',
      `the package is ${formatBytes(tgz.length)} compressed, over the ${formatBytes(l.maxCompressedBytes)} limit; remove large files or list them in .caravanignore`,
    );
  }
  if (tgz.length < 18 || tgz[0] !== 0x1f || tgz[1] !== 0x8b) {
    throw new TarballError(
      'not-gzip',
      'the package is not gzip data (it must be a .tgz made by `caravan action pack`)',
    );
  }
  const reader = await readEntries(tgz, l);
  const actionYml = reader.files.get('action.yml');
  if (!actionYml) {
    const found =
      reader.entries
        .slice(0, 10)
        .map((e) => e.path)
        .join(', ') || 'nothing';
    throw new TarballError(
      'missing-action-yml',
      `the package has no action.yml at its root (found: ${found}); put action.yml at the top of the action folder`,
      'action.yml',
    );
  }
  const readmeEntry = reader.entries.find((e) => e.type === 'file' && !e.path.includes('/') && README.test(e.path));
  const readme = readmeEntry ? reader.files.get(readmeEntry.path)?.toString('utf8') : undefined;
  const files = reader.files;
  return {
    entries: reader.entries,
    file: (path: string) => files.get(path.replace(/^(\.\/)+/, '')),
    actionYml: actionYml.toString('utf8'),
    ...(readme !== undefined ? { readme } : {}),
    unpackedSize: reader.unpackedSize,
  };
}
