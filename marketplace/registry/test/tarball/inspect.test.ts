import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  inspectTarball,
  TarballError,
  DEFAULT_TARBALL_LIMITS,
  type TarballErrorCode,
} from '../../src/tarball/index.js';
import { ACTION_YML, buildTgz, packageWith, type RawEntry } from './build-tarball.js';

async function rejection(tgz: Buffer, limits?: Parameters<typeof inspectTarball>[1]): Promise<TarballError> {
  const err = await inspectTarball(tgz, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TarballError);
  return err as TarballError;
}

describe('inspectTarball: valid packages', () => {
  it('lists entries, serves file bytes, action.yml and the README, and sums the unpacked size', async () => {
    const tgz = await packageWith(
      { header: { name: 'README.md' }, body: '# Lint\n' },
      { header: { name: './bin/', type: 'directory', mode: 0o700 } },
      { header: { name: 'bin/run.sh', mode: 0o4755 }, body: 'echo hi\n' },
      { header: { name: 'bin/latest', type: 'symlink', linkname: 'run.sh' } },
      { header: { name: 'docs/up', type: 'symlink', linkname: '../README.md' } },
    );
    const pkg = await inspectTarball(tgz);
    expect(pkg.actionYml).toBe(ACTION_YML);
    expect(pkg.readme).toBe('# Lint\n');
    expect(pkg.file('bin/run.sh')?.toString()).toBe('echo hi\n');
    expect(pkg.file('./bin/run.sh')?.toString()).toBe('echo hi\n');
    expect(pkg.file('nope')).toBeUndefined();
    expect(pkg.unpackedSize).toBe(Buffer.byteLength(ACTION_YML) + 7 + 8);
    expect(pkg.entries.map((e) => [e.path, e.type, e.mode.toString(8)])).toEqual([
      ['action.yml', 'file', '644'],
      ['README.md', 'file', '644'],
      ['bin', 'directory', '755'],
      ['bin/run.sh', 'file', '755'],
      ['bin/latest', 'symlink', '777'],
      ['docs/up', 'symlink', '777'],
    ]);
  });

  it('states its default limits', () => {
    expect(DEFAULT_TARBALL_LIMITS).toMatchObject({
      maxEntries: 1000,
      maxUnpackedBytes: 50 * 1024 * 1024,
      maxCompressedBytes: 10 * 1024 * 1024,
    });
  });
});

describe('inspectTarball: hostile packages', () => {
  const cases: Array<[string, RawEntry[], TarballErrorCode, RegExp]> = [
    ['a ../ path', [{ header: { name: '../x' }, body: 'x' }], 'path-traversal', /"\.\.\/x" contains "\.\."/],
    [
      'a path that climbs out midway',
      [{ header: { name: 'a/../../x' }, body: 'x' }],
      'path-traversal',
      /outside the action folder/,
    ],
    ['an absolute path', [{ header: { name: '/etc/cron.d/evil' }, body: 'x' }], 'absolute-path', /is absolute/],
    ['a Windows drive path', [{ header: { name: 'C:/evil' }, body: 'x' }], 'absolute-path', /is absolute/],
    ['a backslash path', [{ header: { name: '..\\..\\evil' }, body: 'x' }], 'invalid-path', /backslash/],
    [
      'an absolute symlink',
      [{ header: { name: 'l', type: 'symlink', linkname: '/etc/passwd' } }],
      'link-outside',
      /symlink "l" points to "\/etc\/passwd"/,
    ],
    [
      'a symlink up and out',
      [{ header: { name: 'a/l', type: 'symlink', linkname: '../../etc/passwd' } }],
      'link-outside',
      /resolves outside/,
    ],
    [
      'a symlink escaping through another symlink',
      [
        { header: { name: 's', type: 'symlink', linkname: '.' } },
        { header: { name: 't', type: 'symlink', linkname: 's/..' } },
      ],
      'link-outside',
      /symlink "t" -> "s\/\.\." resolves outside/,
    ],
    [
      'a symlink loop',
      [
        { header: { name: 'a', type: 'symlink', linkname: 'b' } },
        { header: { name: 'b', type: 'symlink', linkname: 'a' } },
      ],
      'link-outside',
      /loop/,
    ],
    [
      'a file written through a symlink',
      [{ header: { name: 'd', type: 'symlink', linkname: 'sub' } }, { header: { name: 'd/x' }, body: 'x' }],
      'link-outside',
      /under the symlink "d"/,
    ],
    [
      'a hardlink out of the tree',
      [{ header: { name: 'h', type: 'link', linkname: '../../etc/shadow' } }],
      'unsupported-entry',
      /entry "h" is a hardlink/,
    ],
    [
      'an absolute hardlink',
      [{ header: { name: 'h', type: 'link', linkname: '/etc/shadow' } }],
      'unsupported-entry',
      /entry "h" is a hardlink/,
    ],
    [
      'a hardlink to an earlier file of the package',
      [{ header: { name: 'h', type: 'link', linkname: 'action.yml' } }],
      'unsupported-entry',
      /entry "h" is a hardlink: hardlinks are refused/,
    ],
    [
      'a character device',
      [{ header: { name: 'tty', type: 'character-device', devmajor: 5, devminor: 0 } }],
      'device-file',
      /"tty" is a character-device/,
    ],
    [
      'a block device',
      [{ header: { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 } }],
      'device-file',
      /block-device/,
    ],
    ['a FIFO', [{ header: { name: 'pipe', type: 'fifo' } }], 'device-file', /fifo/],
    [
      'the same path twice',
      [{ header: { name: 'action.yml' }, body: 'name: evil\n' }],
      'duplicate-entry',
      /appears twice/,
    ],
    [
      'a 5000-byte path',
      [{ header: { name: `${'a'.repeat(5000)}.txt` }, body: 'x' }],
      'invalid-path',
      /longer than 1024 bytes/,
    ],
  ];

  it.each(cases)('rejects %s', async (_what, entries, code, message) => {
    const err = await rejection(await packageWith(...entries));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('rejects data that is not gzip', async () => {
    const err = await rejection(Buffer.from('PK\u0003\u0004 this is a zip file, not a tarball'));
    expect(err.code).toBe('not-gzip');
    expect(err.message).toMatch(/caravan action pack/);
  });

  it('rejects gzip data that is not a tar archive, or truncated', async () => {
    const { gzipSync } = await import('node:zlib');
    const notTar = await rejection(gzipSync(Buffer.alloc(2048, 7)));
    expect(notTar.code).toBe('corrupt');
    const full = await packageWith({ header: { name: 'big.txt' }, body: Buffer.alloc(100_000, 'x') });
    const truncated = await rejection(full.subarray(0, full.length - 40));
    expect(truncated.code).toBe('corrupt');
  });

  it('rejects a package without action.yml and says what it found', async () => {
    const err = await rejection(
      await buildTgz([
        { header: { name: 'run.sh' }, body: 'echo' },
        { header: { name: 'sub/action.yml' }, body: ACTION_YML },
      ]),
    );
    expect(err.code).toBe('missing-action-yml');
    expect(err.message).toMatch(/found: run\.sh, sub\/action\.yml/);
  });

  it('rejects more entries than the limit (default 1000)', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ header: { name: `f/${i}.txt` }, body: 'x' }));
    const err = await rejection(await packageWith(...many));
    expect(err.code).toBe('too-many-entries');
    expect(err.message).toMatch(/more than 1000 entries/);
    expect((await rejection(await packageWith(...many.slice(0, 5)), { maxEntries: 5 })).code).toBe('too-many-entries');
    await expect(inspectTarball(await packageWith(...many.slice(0, 4)), { maxEntries: 5 })).resolves.toBeDefined();
  });

  it('rejects an entry that would cross the unpacked limit, from its declared size', async () => {
    const err = await rejection(
      await packageWith({ header: { name: 'big.bin' }, body: Buffer.alloc(2 * 1024 * 1024, 1) }),
      { maxUnpackedBytes: 1024 * 1024 },
    );
    expect(err.code).toBe('too-large');
    expect(err.entry).toBe('big.bin');
    expect(err.message).toMatch(/more than 1 MB/);
  });

  it('rejects a compressed package over the compressed limit before inflating it', async () => {
    const tgz = await packageWith({ header: { name: 'noise.bin' }, body: randomBytes(64 * 1024) });
    const err = await rejection(tgz, { maxCompressedBytes: 1024 });
    expect(err.code).toBe('too-large');
    expect(err.message).toMatch(/compressed, over the 1 KB limit/);
  });
});
