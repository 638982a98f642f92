/** Builds arbitrary (also hostile) tarballs with tar-stream, for tests. */
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

export interface RawEntry {
  header: Partial<Header> & { name: string };
  body?: Buffer | string;
}

export const ACTION_YML = 'name: acme/lint\nversion: 1.0.0\ndescription: lints\nruns:\n  command: ./run.sh\n';

export async function buildTar(entries: RawEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const body = typeof e.body === 'string' ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
      tar.entry({ mtime: new Date(0), ...e.header }, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function buildTgz(entries: RawEntry[]): Promise<Buffer> {
  return gzipSync(await buildTar(entries));
}

/** A valid package plus the given extra entries. */
export async function packageWith(...extra: RawEntry[]): Promise<Buffer> {
  return buildTgz([{ header: { name: 'action.yml' }, body: ACTION_YML }, ...extra]);
}
