import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeDeclaredFiles, folderDigest } from '../src/declared-files.js';

const root = mkdtempSync(join(tmpdir(), 'declared-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>, order = Object.keys(files)): string {
  const dir = join(root, name);
  for (const path of order) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), files[path]!);
  }
  return dir;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('folderDigest', () => {
  const files = { 'b.txt': 'bee', 'a/z.bin': 'zed', 'a/y.txt': '' };

  it('is the sha256 of the sorted listing of path and content digest', async () => {
    const dir = tree('one', files);
    const listing = ['a/y.txt', 'a/z.bin', 'b.txt']
      .map((p) => `${p}\0${sha(files[p as keyof typeof files])}\n`)
      .join('');
    expect(await folderDigest(dir)).toEqual({ size: 6, sha256: sha(listing) });
  });

  it('does not depend on creation order or file times', async () => {
    const first = tree('two', files);
    const second = tree('three', files, ['a/y.txt', 'b.txt', 'a/z.bin']);
    utimesSync(join(second, 'b.txt'), new Date(0), new Date(0));
    expect(await folderDigest(second)).toEqual(await folderDigest(first));
  });

  it('changes with one byte of content, a renamed file, or a link target', async () => {
    const base = await folderDigest(tree('four', files));
    expect((await folderDigest(tree('five', { ...files, 'b.txt': 'bef' }))).sha256).not.toBe(base.sha256);
    expect((await folderDigest(tree('six', { 'c.txt': 'bee', 'a/z.bin': 'zed', 'a/y.txt': '' }))).sha256).not.toBe(
      base.sha256,
    );
    const linked = tree('seven', files);
    symlinkSync('b.txt', join(linked, 'link'));
    const withLink = await folderDigest(linked);
    expect(withLink.sha256).not.toBe(base.sha256);
    expect(withLink.size).toBe(base.size);
  });
});

describe('describeDeclaredFiles', () => {
  it('reports a folder with its size and digest, a file with its own, and the missing ones', async () => {
    const work = tree('work', { 'dist/app.js': 'code', 'report.txt': 'ok' });
    const { reports, missing } = await describeDeclaredFiles(
      [
        { name: 'dist', path: 'dist' },
        { name: 'report', path: 'report.txt' },
        { name: 'gone', path: 'nope' },
      ],
      work,
    );
    expect(reports).toEqual([
      { name: 'dist', path: 'dist', ...(await folderDigest(join(work, 'dist'))) },
      { name: 'report', path: 'report.txt', size: 2, sha256: sha('ok') },
    ]);
    expect(reports[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(missing).toEqual([{ name: 'gone', path: 'nope' }]);
  });
});
