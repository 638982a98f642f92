/** Packing a workspace path into a tar and unpacking one safely (no entry may escape its target). */
import {
  createReadStream,
  createWriteStream,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** Tars `path` (a file or a directory, recursively) with entry names relative to `base`. */
export function packPath(base: string, path: string): Readable {
  const pack = tar.pack();
  const add = async (abs: string): Promise<void> => {
    const st = lstatSync(abs);
    const name = relative(base, abs).split(sep).join('/');
    if (st.isDirectory()) {
      if (name) pack.entry({ name: name + '/', type: 'directory', mode: st.mode & 0o777, mtime: st.mtime });
      for (const child of readdirSync(abs).sort()) await add(join(abs, child));
    } else if (st.isSymbolicLink()) {
      pack.entry({ name, type: 'symlink', linkname: readlinkSync(abs), mode: st.mode & 0o777 });
    } else if (st.isFile()) {
      const entry = pack.entry({ name, size: st.size, mode: st.mode & 0o777, mtime: st.mtime });
      await pipeline(createReadStream(abs), entry);
    }
  };
  add(path).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return pack as unknown as Readable;
}

/** Unpacks a tar stream into `dest`; returns the entry names. Rejects absolute and `..` entries. */
export async function unpackTo(input: Readable, dest: string): Promise<string[]> {
  const names: string[] = [];
  const root = resolve(dest);
  mkdirSync(root, { recursive: true });
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = normalize(header.name);
    const target = resolve(root, name);
    if (isAbsolute(header.name) || (target !== root && !target.startsWith(root + sep))) {
      stream.resume();
      next(new Error(`tar entry "${header.name}" would be written outside ${dest}: refused`));
      return;
    }
    names.push(header.name);
    const done = (err?: unknown) => (err ? next(err as Error) : next());
    if (header.type === 'directory') {
      mkdirSync(target, { recursive: true });
      stream.resume();
      stream.on('end', () => done());
    } else if (header.type === 'file') {
      mkdirSync(dirname(target), { recursive: true });
      pipeline(stream, createWriteStream(target, { mode: header.mode ?? 0o644 })).then(() => done(), done);
    } else if (header.type === 'symlink' && header.linkname) {
      mkdirSync(dirname(target), { recursive: true });
      const link = resolve(dirname(target), header.linkname);
      stream.resume();
      if (isAbsolute(header.linkname) || !(link === root || link.startsWith(root + sep))) {
        next(new Error(`tar symlink "${header.name}" points outside ${dest}: refused`));
        return;
      }
      try {
        symlinkSync(header.linkname, target);
      } catch {
        /* an existing entry wins */
      }
      stream.on('end', () => done());
    } else {
      stream.resume();
      stream.on('end', () => done());
    }
  });
  await pipeline(input, extract);
  return names;
}
