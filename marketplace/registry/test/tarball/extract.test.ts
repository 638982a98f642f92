import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractTarball, TarballError } from '../../src/tarball/index.js';
import { packageWith } from './build-tarball.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'caravan-extract-'));
  dirs.push(dir);
  return dir;
}

describe('extractTarball', () => {
  it('writes files with normalised modes, directories and in-tree symlinks', async () => {
    const parent = await tempDir();
    const dest = join(parent, 'pkg');
    await extractTarball(
      await packageWith(
        { header: { name: 'bin/run.sh', mode: 0o6777 }, body: 'echo hi' },
        { header: { name: 'empty', type: 'directory' } },
        { header: { name: 'run', type: 'symlink', linkname: 'bin/run.sh' } },
      ),
      dest,
    );
    expect(await readFile(join(dest, 'bin/run.sh'), 'utf8')).toBe('echo hi');
    expect((await lstat(join(dest, 'bin/run.sh'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(dest, 'action.yml'))).mode & 0o7777).toBe(0o644);
    expect((await lstat(join(dest, 'empty'))).isDirectory()).toBe(true);
    expect(await readlink(join(dest, 'run'))).toBe('bin/run.sh');
    expect(await readdir(parent)).toEqual(['pkg']);
  });

  it('writes nothing at all for a hostile package', async () => {
    const parent = await tempDir();
    const dest = join(parent, 'pkg');
    const tgz = await packageWith(
      { header: { name: 'ok.txt' }, body: 'fine' },
      { header: { name: '../escaped.txt' }, body: 'evil' },
    );
    const err = await extractTarball(tgz, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('path-traversal');
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses to replace an existing folder and leaves it and no temp folder behind', async () => {
    const parent = await tempDir();
    const dest = join(parent, 'pkg');
    await mkdir(dest);
    await writeFile(join(dest, 'mine.txt'), 'keep me');
    const err = await extractTarball(await packageWith(), dest).catch((e: unknown) => e);
    expect((err as TarballError).code).toBe('destination-exists');
    expect(await readdir(parent)).toEqual(['pkg']);
    expect(await readdir(dest)).toEqual(['mine.txt']);
  });
});
