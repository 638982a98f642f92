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

/** One 512-byte header written byte by byte, for archives tar-stream would refuse to write. */
export interface RawHeaderFields {
  name: string | Buffer;
  /** A single character (`'0'`, `'X'`, `'\0'` …). */
  typeflag: string;
  size?: number;
  linkname?: string;
  mode?: number;
  /** `ustar` (POSIX, the default) or `gnu`. */
  format?: 'ustar' | 'gnu';
  /** Raw bytes written over the header before the checksum, e.g. `{ 124: '0000000012x4' }`. */
  patch?: Record<number, string | Buffer>;
}

export function rawHeader(f: RawHeaderFields): Buffer {
  const b = Buffer.alloc(512);
  (Buffer.isBuffer(f.name) ? f.name : Buffer.from(f.name)).copy(b, 0, 0, 100);
  b.write(`${(f.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  b.write(`${(f.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('00000000000\0', 136, 'latin1');
  b.write(f.typeflag, 156, 'latin1');
  if (f.linkname) b.write(f.linkname, 157, 'utf8');
  b.write(f.format === 'gnu' ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  for (const [at, bytes] of Object.entries(f.patch ?? {})) {
    (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1')).copy(b, Number(at));
  }
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** The body padded to whole blocks. */
export function rawBody(body: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

/** A header and its body. */
export function rawEntry(f: Omit<RawHeaderFields, 'size'>, body: string | Buffer = ''): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([rawHeader({ ...f, size: bytes.length }), rawBody(bytes)]);
}

/** pax records (`<len> <key>=<value>\n`) with exact lengths. */
export function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const rest = Buffer.byteLength(` ${key}=${value}\n`);
      let len = rest + 1;
      while (String(len).length + rest !== len) len = String(len).length + rest;
      return Buffer.from(`${len} ${key}=${value}\n`);
    }),
  );
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);

/** A gzip'd package from raw blocks, with a valid action.yml first and the end-of-archive marker last. */
export function rawPackage(...blocks: Buffer[]): Buffer {
  return gzipSync(
    Buffer.concat([rawEntry({ name: 'action.yml', typeflag: '0' }, ACTION_YML), ...blocks, END_OF_ARCHIVE]),
  );
}
