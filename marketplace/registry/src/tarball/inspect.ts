import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { followLink, normaliseEntryPath } from './entry-path.js';
import { InflateGuard } from './inflate-guard.js';
import type { InspectedPackage, PackageEntry } from './inspected-package.js';
import { formatBytes, withDefaults, type TarballLimits } from './limits.js';
import { TarballError } from './tarball-error.js';

const README = /^readme(\.md|\.markdown|\.txt)?$/i;

function normaliseMode(type: PackageEntry['type'], mode: number | undefined): number {
  if (type === 'symlink') return 0o777;
  if (type === 'directory') return 0o755;
  return (mode ?? 0) & 0o111 ? 0o755 : 0o644;
}

class PackageReader {
  readonly entries: PackageEntry[] = [];
  readonly files = new Map<string, Buffer>();
  readonly links = new Map<string, string>();
  private readonly seen = new Set<string>();
  unpackedSize = 0;

  constructor(private readonly limits: TarballLimits) {}

  /** Checks one header before its body is read; returns the normalised path. */
  admit(header: Header): string {
    const path = normaliseEntryPath(header.name, this.limits);
    if (this.entries.length + 1 > this.limits.maxEntries) {
      throw new TarballError(
        'too-many-entries',
        `the package has more than ${this.limits.maxEntries} entries (the limit); list generated or vendored files in .caravanignore`,
        path,
      );
    }
    if (this.seen.has(path)) {
      throw new TarballError(
        'duplicate-entry',
        `entry "${path}" appears twice in the archive; a package holds each path once`,
        path,
      );
    }
    this.seen.add(path);
    const type: string = header.type ?? 'file';
    if (type === 'character-device' || type === 'block-device' || type === 'fifo') {
      throw new TarballError(
        'device-file',
        `entry "${path}" is a ${type}; packages may hold only files, directories and symlinks`,
        path,
      );
    }
    if (type === 'file' || type === 'contiguous-file') {
      const size = header.size ?? 0;
      if (this.unpackedSize + size > this.limits.maxUnpackedBytes) {
        throw new TarballError(
          'too-large',
          `the package unpacks to more than ${formatBytes(this.limits.maxUnpackedBytes)} (the limit) at entry "${path}" (${formatBytes(size)}); remove large files or list them in .caravanignore`,
          path,
        );
      }
    }
    return path;
  }

  add(path: string, header: Header, body: Buffer): void {
    const type: string = header.type ?? 'file';
    switch (type) {
      case 'file':
      case 'contiguous-file':
        this.addFile(path, body, header.mode);
        return;
      case 'directory':
        this.entries.push({ path, size: 0, type: 'directory', mode: normaliseMode('directory', header.mode) });
        return;
      case 'symlink':
        this.addSymlink(path, header.linkname ?? '');
        return;
      case 'link':
        this.addHardlink(path, header.linkname ?? '');
        return;
      default:
        throw new TarballError(
          'unsupported-entry',
          `entry "${path}" has the unsupported type "${type}"; packages may hold only files, directories and symlinks`,
          path,
        );
    }
  }

  private addFile(path: string, body: Buffer, mode: number | undefined): void {
    this.unpackedSize += body.length;
    this.files.set(path, body);
    this.entries.push({ path, size: body.length, type: 'file', mode: normaliseMode('file', mode) });
  }

  private addSymlink(path: string, target: string): void {
    if (
      target === '' ||
      target.startsWith('/') ||
      /^[A-Za-z]:/.test(target) ||
      target.includes('\0') ||
      target.includes('\\')
    ) {
      throw new TarballError(
        'link-outside',
        `symlink "${path}" points to ${JSON.stringify(target.slice(0, 200))}, outside the action folder; use a relative link to a file inside the package`,
        path,
      );
    }
    this.links.set(path, target);
    this.entries.push({ path, size: 0, type: 'symlink', mode: 0o777, linkTarget: target });
  }

  /** A hardlink inside the tree becomes a copy of its target; anything else is refused. */
  private addHardlink(path: string, target: string): void {
    let targetPath: string;
    try {
      targetPath = normaliseEntryPath(target, this.limits);
    } catch {
      throw new TarballError(
        'link-outside',
        `hardlink "${path}" points to ${JSON.stringify(target.slice(0, 200))}, outside the action folder; replace it with a copy of the file`,
        path,
      );
    }
    const body = this.files.get(targetPath);
    if (!body) {
      throw new TarballError(
        'link-outside',
        `hardlink "${path}" points to "${targetPath}", which is not a file earlier in the package; replace it with a copy of the file`,
        path,
      );
    }
    const mode = this.entries.find((e) => e.path === targetPath)?.mode;
    this.addFile(path, body, mode);
  }

  /** Checks that need the whole archive: link targets and entries under symlinks or files. */
  finish(): void {
    const kinds = new Map(this.entries.map((e) => [e.path, e.type]));
    for (const entry of this.entries) {
      const parts = entry.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const ancestor = parts.slice(0, i).join('/');
        const kind = kinds.get(ancestor);
        if (kind === 'symlink') {
          throw new TarballError(
            'link-outside',
            `entry "${entry.path}" lies under the symlink "${ancestor}"; a package may not write through its own symlinks`,
            entry.path,
          );
        }
        if (kind === 'file') {
          throw new TarballError(
            'invalid-path',
            `entry "${entry.path}" lies under "${ancestor}", which is a file; fix the archive`,
            entry.path,
          );
        }
      }
    }
    for (const [path, target] of this.links) {
      const verdict = followLink(path, target, this.links);
      if (verdict !== 'inside') {
        const why = verdict === 'loop' ? 'forms a symlink loop' : 'resolves outside the action folder';
        throw new TarballError(
          'link-outside',
          `symlink "${path}" -> "${target}" ${why}; use a relative link to a file inside the package`,
          path,
        );
      }
    }
  }
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

async function readEntries(tgz: Buffer, limits: TarballLimits): Promise<PackageReader> {
  const reader = new PackageReader(limits);
  const parser = extract();
  let fed = 0;
  const source = Readable.from(slices(tgz), { objectMode: false });
  source.on('data', (chunk: Buffer) => {
    fed += chunk.length;
  });
  const feeding = pipeline(source, createGunzip(), new InflateGuard(() => fed, limits), parser).catch(
    (err: unknown) => {
      throw corrupt(err, "the package is not a valid gzip'd tar archive");
    },
  );
  // The consumer below raises its own errors; the pipeline's rejection is awaited at the end.
  feeding.catch(() => undefined);
  try {
    for await (const entry of parser) {
      const path = reader.admit(entry.header);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      reader.add(path, entry.header, Buffer.concat(chunks));
    }
  } catch (err) {
    parser.destroy();
    // A failure upstream (gunzip, guard) reaches the parser as a premature close: report the cause.
    const upstream = await feeding.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err instanceof TarballError) throw err;
    throw upstream instanceof TarballError ? upstream : corrupt(err, 'the package is not a valid tar archive');
  }
  await feeding;
  reader.finish();
  return reader;
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
