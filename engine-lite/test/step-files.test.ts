/**
 * Step files and caches are unpacked with the registry's strict tar reader: what caravan-agent
 * tars comes back whole; hardlinks, unknown entry types, symlink tricks and archives over the
 * limit are refused before anything is written.
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarOf } from '@caravan/agent';
import { TarballError } from '@caravan/registry';
import {
  buildTar,
  END_OF_ARCHIVE,
  paxRecords,
  rawEntry,
  type RawEntry,
} from '../../marketplace/registry/test/tarball/build-tarball.js';
import { BlobStore } from '../src/blobs.js';
import { reportFromArchive } from '../src/executors/docker-report.js';
import { cacheFile, restoreCache, restoreFile, saveCache } from '../src/step-files.js';
import type { FileRecord } from '../src/store/types.js';

let root: string;
let blobs: BlobStore;
let workspace: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'caravan-step-files-'));
  blobs = new BlobStore(join(root, 'blobs'));
  workspace = join(root, 'work', 'run1', 'use');
  await mkdir(workspace, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function stored(tar: Buffer, name = 'out'): Promise<FileRecord> {
  const { sha256, size } = await blobs.putStream(Readable.from([tar]));
  return { runId: 'run1', stepId: 'make', name, sha256, size };
}

async function refusal(p: Promise<unknown>): Promise<TarballError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the archive was accepted').toBeInstanceOf(TarballError);
  return err as TarballError;
}

async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Everything under `dir`, relative, sorted (empty when it does not exist). */
async function listing(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true }).catch(() => [])) as string[]).sort();
}

const filesDir = () => join(workspace, '.caravan', 'files', 'make');

describe('restoreFile: what the agent uploads', () => {
  it('unpacks a folder tarred by caravan-agent whole: nested folders, modes, long and non-ASCII names', async () => {
    const src = join(root, 'src', 'report');
    const long = `${'deep-folder-name/'.repeat(8)}file.txt`;
    await mkdir(join(src, long, '..'), { recursive: true });
    await writeFile(join(src, long), 'deep\n');
    await writeFile(join(src, 'résumé.md'), 'accents\n');
    await writeFile(join(src, 'run.sh'), 'echo hi\n');
    await chmod(join(src, 'run.sh'), 0o755);
    const file = await stored(await streamToBuffer(await tarOf(src)));
    const dir = await restoreFile(blobs, file, workspace);
    expect(dir).toBe(join(filesDir(), 'out'));
    expect(await readFile(join(dir, 'report', long), 'utf8')).toBe('deep\n');
    expect(await readFile(join(dir, 'report', 'résumé.md'), 'utf8')).toBe('accents\n');
    expect((await stat(join(dir, 'report', 'run.sh'))).mode & 0o777).toBe(0o755);
  });

  it('leaves out the links inside a folder, never packing their targets (outside files, /etc, a loop)', async () => {
    const src = join(root, 'src', 'dist');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(root, 'src', 'secret.txt'), 'outside\n');
    await writeFile(join(src, 'sub', 'app.js'), 'app\n');
    await symlink('sub/app.js', join(src, 'current.js'));
    await symlink(join(src, 'sub'), join(src, 'absolute-in'));
    await symlink('../secret.txt', join(src, 'escape.txt'));
    await symlink('/etc', join(src, 'etc'));
    await symlink('..', join(src, 'sub', 'loop'));
    const skipped: string[] = [];
    const file = await stored(await streamToBuffer(await tarOf(src, (link) => skipped.push(link))));
    const dir = await restoreFile(blobs, file, workspace);
    expect(await readFile(join(dir, 'dist', 'sub', 'app.js'), 'utf8')).toBe('app\n');
    expect(skipped.sort()).toEqual([
      'dist/absolute-in',
      'dist/current.js',
      'dist/escape.txt',
      'dist/etc',
      'dist/sub/loop',
    ]);
    for (const gone of ['current.js', 'absolute-in', 'escape.txt', 'etc', 'sub/loop']) {
      await expect(lstat(join(dir, 'dist', gone))).rejects.toThrow(/ENOENT/);
    }
  });

  it('returns the file itself when the tar holds one file', async () => {
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'version.txt'), '1.2.3\n');
    const file = await stored(await streamToBuffer(await tarOf(join(root, 'src', 'version.txt'))));
    const path = await restoreFile(blobs, file, workspace);
    expect(path).toBe(join(filesDir(), 'out', 'version.txt'));
    expect(await readFile(path, 'utf8')).toBe('1.2.3\n');
  });
});

describe('restoreFile: hostile uploads write nothing', () => {
  it('refuses a hardlink bomb (one file, many links) before writing', async () => {
    const links: RawEntry[] = Array.from({ length: 50 }, (_, i) => ({
      header: { name: `copy${i}.bin`, type: 'link', linkname: 'payload.bin' },
    }));
    const tar = await buildTar([{ header: { name: 'payload.bin' }, body: randomBytes(64 * 1024) }, ...links]);
    const err = await refusal(restoreFile(blobs, await stored(tar), workspace));
    expect(err.code).toBe('unsupported-entry');
    expect(err.message).toMatch(/step file "out" of step "make" was refused: entry "copy0\.bin" is a hardlink/);
    expect(await listing(filesDir())).toEqual([]);
  });

  it('refuses a tar that unpacks to more than the limit, writing none of it', async () => {
    const tar = await buildTar([
      { header: { name: 'a.bin' }, body: Buffer.alloc(600 * 1024, 1) },
      { header: { name: 'b.bin' }, body: Buffer.alloc(600 * 1024, 2) },
    ]);
    const err = await refusal(restoreFile(blobs, await stored(tar), workspace, 1024 * 1024));
    expect(err.code).toBe('too-large');
    expect(err.entry).toBe('b.bin');
    expect(err.message).toMatch(/unpacks to more than 1 MB \(the limit\) at entry "b\.bin"/);
    expect(await listing(filesDir())).toEqual([]);
  });

  it('refuses a Solaris X header (which GNU tar reads as a rename of the next file)', async () => {
    const tar = Buffer.concat([
      rawEntry({ name: 'PaxHeader', typeflag: 'X' }, paxRecords({ path: '../../../escaped.txt' })),
      rawEntry({ name: 'innocent.txt', typeflag: '0' }, 'hello\n'),
      END_OF_ARCHIVE,
    ]);
    const err = await refusal(restoreFile(blobs, await stored(tar), workspace));
    expect(err.code).toBe('unsupported-entry');
    expect(await listing(filesDir())).toEqual([]);
  });

  it('refuses symlinks (the agent never writes them), so a link chain cannot carry a file out', async () => {
    // s -> . and t -> s/.. each look harmless, but t/escaped.txt lands beside the target folder.
    const tar = await buildTar([
      { header: { name: 's', type: 'symlink', linkname: '.' } },
      { header: { name: 't', type: 'symlink', linkname: 's/..' } },
      { header: { name: 't/escaped.txt' }, body: 'out of the folder\n' },
    ]);
    const err = await refusal(restoreFile(blobs, await stored(tar), workspace));
    expect(err.code).toBe('unsupported-entry');
    expect(err.message).toMatch(/entry "s" is a symlink; a step file may hold only regular files and directories;/);
    expect(await listing(filesDir())).toEqual([]);
  });

  it('does not follow a symlink a step left at .caravan for its next attempt', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    await symlink(outside, join(workspace, '.caravan'));
    const file = await stored(await buildTar([{ header: { name: 'f.txt' }, body: 'x' }]));
    const path = await restoreFile(blobs, file, workspace);
    expect(path).toBe(join(filesDir(), 'out', 'f.txt'));
    expect((await lstat(join(workspace, '.caravan'))).isDirectory()).toBe(true);
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('restoreCache', () => {
  const cacheDir = () => join(root, 'cache');

  it('restores what saveCache packed, symlinks inside it included', async () => {
    const first = join(root, 'work', 'run0', 'fill');
    await mkdir(join(first, 'deps', 'lib'), { recursive: true });
    await writeFile(join(first, 'deps', 'lib', 'a.txt'), 'cached\n');
    await symlink('lib/a.txt', join(first, 'deps', 'current'));
    expect(await saveCache(cacheDir(), 'k', first, 'deps')).toBe(true);
    expect(await restoreCache(cacheDir(), 'k', workspace)).toBe(true);
    expect(await readFile(join(workspace, 'deps', 'lib', 'a.txt'), 'utf8')).toBe('cached\n');
    expect(await readlink(join(workspace, 'deps', 'current'))).toBe('lib/a.txt');
  });

  it('refuses a cache holding a hardlink or an unknown entry type, writing nothing', async () => {
    for (const tar of [
      await buildTar([
        { header: { name: 'deps/a.txt' }, body: 'a' },
        { header: { name: 'deps/b.txt', type: 'link', linkname: 'deps/a.txt' } },
      ]),
      Buffer.concat([
        rawEntry({ name: 'deps/a.txt', typeflag: '0' }, 'a'),
        rawEntry({ name: 'deps/v', typeflag: 'V' }),
        END_OF_ARCHIVE,
      ]),
    ]) {
      await mkdir(cacheDir(), { recursive: true });
      await writeFile(cacheFile(cacheDir(), 'bad'), tar);
      expect((await refusal(restoreCache(cacheDir(), 'bad', workspace))).code).toBe('unsupported-entry');
      expect(await listing(workspace)).toEqual([]);
    }
  });

  it('does not write through a symlink already in the workspace', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    await symlink(outside, join(workspace, 'deps'));
    await mkdir(cacheDir(), { recursive: true });
    await writeFile(cacheFile(cacheDir(), 'k'), await buildTar([{ header: { name: 'deps/a.txt' }, body: 'a' }]));
    await expect(restoreCache(cacheDir(), 'k', workspace)).rejects.toThrow(
      /"deps" is a symlink in .* where the archive has a folder/,
    );
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('reportFromArchive (Docker archive of the report file)', () => {
  const report = JSON.stringify({ status: 'success', exitCode: 0 });

  it('reads the one file of the archive', async () => {
    const archive = await buildTar([{ header: { name: 'report.json' }, body: report }]);
    expect(await reportFromArchive(archive)).toMatchObject({ status: 'success' });
  });

  it('refuses anything but one regular file, saying what the report path must hold', async () => {
    const renamed = Buffer.concat([
      rawEntry({ name: 'PaxHeader', typeflag: 'X' }, paxRecords({ path: 'other.json' })),
      rawEntry({ name: 'report.json', typeflag: '0' }, report),
      END_OF_ARCHIVE,
    ]);
    await expect(reportFromArchive(renamed)).rejects.toThrow(
      /is a Solaris extended header .* a report archive may hold only regular files and directories; the report path must hold only the report the agent writes there/,
    );
    const link = await buildTar([{ header: { name: 'report.json', type: 'link', linkname: '/etc/passwd' } }]);
    await expect(reportFromArchive(link)).rejects.toThrow(/is a hardlink/);
  });

  it('answers undefined for one file that is not a report', async () => {
    const notJson = await buildTar([{ header: { name: 'report.json' }, body: 'not json' }]);
    expect(await reportFromArchive(notJson)).toBeUndefined();
    const noStatus = await buildTar([{ header: { name: 'report.json' }, body: '{"exitCode":0}' }]);
    expect(await reportFromArchive(noStatus)).toBeUndefined();
  });
});
