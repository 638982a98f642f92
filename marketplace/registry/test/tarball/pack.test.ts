import { execFileSync } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectTarball, packAction, TarballError } from '../../src/tarball/index.js';
import { ACTION_YML } from './build-tarball.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'caravan-pack-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, body] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), body);
  }
}

async function headersOf(tgz: Buffer): Promise<Array<Record<string, unknown>>> {
  const parser = extract();
  const out: Array<Record<string, unknown>> = [];
  const reading = (async () => {
    for await (const entry of parser) {
      const { name, mode, uid, gid, uname, gname, mtime, type, linkname } = entry.header;
      out.push({ name, mode, uid, gid, uname, gname, mtime: mtime.getTime(), type, linkname });
      entry.resume();
    }
  })();
  parser.end(gunzipSync(tgz));
  await reading;
  return out;
}

const rejection = (p: Promise<unknown>): Promise<TarballError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(TarballError);
      return e as TarballError;
    },
  );

describe('packAction', () => {
  it('packs sorted files with fixed metadata and skips node_modules, .git and .caravanignore matches', async () => {
    const dir = await tempDir();
    await write(dir, {
      'action.yml': ACTION_YML,
      'src/main.js': 'console.log(1)',
      'src/main.test.js': 'test',
      'B.txt': 'upper',
      'node_modules/x/index.js': 'dep',
      '.git/HEAD': 'ref',
      'sub/node_modules/y.js': 'dep',
      'dist/out.js': 'built',
      'keep/dist/out.js': 'kept: anchored pattern below',
      'logs/a.log': 'log',
      'important.log': 'kept by negation',
      '.caravanignore': '# comment\n\n*.test.js\n/dist\nlogs/\n*.log\n!important.log\n',
    });
    await chmod(join(dir, 'src/main.js'), 0o700);
    await symlink('main.js', join(dir, 'src/entry.js'));
    const packed = await packAction(dir);
    expect(packed.files).toEqual([
      '.caravanignore',
      'B.txt',
      'action.yml',
      'important.log',
      'keep/dist/out.js',
      'src/entry.js',
      'src/main.js',
    ]);
    expect(packed.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(packed.sha256).toMatch(/^[0-9a-f]{64}$/);
    const headers = await headersOf(packed.tarball);
    expect(headers.map((h) => h.name)).toEqual(packed.files);
    for (const h of headers) {
      expect(h).toMatchObject({ uid: 0, gid: 0, uname: '', gname: '', mtime: Date.UTC(2000, 0, 1) });
    }
    expect(headers.find((h) => h.name === 'src/main.js')?.mode).toBe(0o755);
    expect(headers.find((h) => h.name === 'B.txt')?.mode).toBe(0o644);
    expect(headers.find((h) => h.name === 'src/entry.js')).toMatchObject({ type: 'symlink', linkname: 'main.js' });
    const pkg = await inspectTarball(packed.tarball);
    expect(pkg.file('src/main.js')?.toString()).toBe('console.log(1)');
  });

  it('is reproducible: other mtimes, owners, modes and creation order give the same bytes', async () => {
    const files: Record<string, string> = {
      'action.yml': ACTION_YML,
      'a/b/c.txt': 'c',
      'run.sh': '#!/bin/sh\necho hi\n',
      'z.md': 'z',
    };
    const first = await tempDir();
    await write(first, files);
    await chmod(join(first, 'run.sh'), 0o755);
    const second = await tempDir();
    await write(second, Object.fromEntries(Object.entries(files).reverse()));
    await chmod(join(second, 'run.sh'), 0o700);
    await chmod(join(second, 'z.md'), 0o600);
    for (const path of Object.keys(files))
      await utimes(join(second, path), new Date('2019-05-05'), new Date('2021-03-04T05:06:07Z'));
    if (process.getuid?.() === 0) {
      for (const path of Object.keys(files)) await chown(join(second, path), 4242, 4343);
    }
    const [a, b] = await Promise.all([packAction(first), packAction(second)]);
    expect(b.tarball.equals(a.tarball)).toBe(true);
    expect(b.integrity).toBe(a.integrity);
    expect(b.sha256).toBe(a.sha256);
    await writeFile(join(second, 'z.md'), 'changed');
    expect((await packAction(second)).integrity).not.toBe(a.integrity);
  });

  it('refuses a folder without action.yml, a missing folder and a file', async () => {
    const dir = await tempDir();
    await write(dir, { 'run.sh': 'echo' });
    expect((await rejection(packAction(dir))).code).toBe('missing-action-yml');
    expect((await rejection(packAction(join(dir, 'nope')))).code).toBe('not-a-directory');
    const notDir = await rejection(packAction(join(dir, 'run.sh')));
    expect(notDir.code).toBe('not-a-directory');
    expect(notDir.message).toMatch(/holding action\.yml/);
  });

  it('refuses a symlink that leaves the folder and a FIFO inside it', async () => {
    const dir = await tempDir();
    await write(dir, { 'action.yml': ACTION_YML });
    await symlink('/etc/passwd', join(dir, 'passwd'));
    const outside = await rejection(packAction(dir));
    expect(outside.code).toBe('link-outside');
    await rm(join(dir, 'passwd'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const fifo = await rejection(packAction(dir));
    expect(fifo.code).toBe('device-file');
    expect(fifo.message).toMatch(/"pipe".*\.caravanignore/);
  });

  it('packs hardlinked files as copies, which the registry accepts (it refuses hardlink entries)', async () => {
    const dir = await tempDir();
    await write(dir, { 'action.yml': ACTION_YML, 'lib/a.js': 'shared' });
    await link(join(dir, 'lib/a.js'), join(dir, 'lib/b.js'));
    const packed = await packAction(dir);
    expect((await headersOf(packed.tarball)).map((h) => [h.name, h.type])).toEqual([
      ['action.yml', 'file'],
      ['lib/a.js', 'file'],
      ['lib/b.js', 'file'],
    ]);
    expect((await inspectTarball(packed.tarball)).file('lib/b.js')?.toString()).toBe('shared');
  });

  it('stops early on folders over the entry and size limits', async () => {
    const dir = await tempDir();
    await write(dir, { 'action.yml': ACTION_YML, 'a.txt': 'a', 'b.txt': 'b', 'big.bin': 'x'.repeat(4096) });
    expect((await rejection(packAction(dir, { maxEntries: 3 }))).code).toBe('too-many-entries');
    const big = await rejection(packAction(dir, { maxUnpackedBytes: 1024 }));
    expect(big.code).toBe('too-large');
    expect(big.entry).toBe('big.bin');
  });
});
