import { createReadStream, promises as fsp } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A tar stream of a file (or a folder, recursively), names relative to its parent folder: regular
 * files and folders only, as the engine accepts. Inside a folder, links are neither followed nor
 * packed, so a declared folder never carries files from elsewhere (`~/.ssh`, `/etc`) and a link
 * loop cannot make it endless; `skipped` hears each link left out.
 */
export async function tarOf(path: string, skipped: (link: string) => void = () => undefined): Promise<Readable> {
  const { pack: createPack } = await import('tar-stream');
  const pack = createPack();
  const root = join(path, '..');
  const add = async (abs: string, follow: boolean) => {
    const info = follow ? await fsp.stat(abs) : await fsp.lstat(abs);
    const name = relative(root, abs) || basename(abs);
    if (info.isSymbolicLink()) {
      skipped(name);
    } else if (info.isDirectory()) {
      pack.entry({ name, type: 'directory', mode: info.mode & 0o7777, mtime: info.mtime });
      for (const entry of (await fsp.readdir(abs)).sort()) await add(join(abs, entry), false);
    } else if (info.isFile()) {
      const entry = pack.entry({ name, size: info.size, mode: info.mode & 0o7777, mtime: info.mtime });
      await pipeline(createReadStream(abs), entry);
    }
  };
  add(path, true).then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return Readable.from(pack as AsyncIterable<Buffer>);
}
