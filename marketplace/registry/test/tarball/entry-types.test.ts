/**
 * Entry types and header tricks that readers disagree on, built byte by byte. Each is refused:
 * tar-stream (which the registry used to trust) reads them one way, GNU tar and Python's tarfile
 * another, so the registry would validate files that are not the ones a user unpacks.
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inspectTarball, TarballError, type TarballErrorCode } from '../../src/tarball/index.js';
import { ACTION_YML, END_OF_ARCHIVE, paxRecords, rawEntry, rawHeader, rawPackage } from './build-tarball.js';

async function refusal(tgz: Buffer): Promise<TarballError> {
  const err = await inspectTarball(tgz).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the package was accepted').toBeInstanceOf(TarballError);
  return err as TarballError;
}

/** What GNU tar lists for the archive, when GNU tar is installed. */
function gnuTarList(tgz: Buffer): string[] | undefined {
  try {
    if (!/GNU tar/.test(execFileSync('tar', ['--version'], { encoding: 'utf8' }))) return undefined;
  } catch {
    return undefined;
  }
  const out = execFileSync('tar', ['-tzf', '-'], { input: tgz, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '');
}
const hasGnuTar = gnuTarList(rawPackage()) !== undefined;

const innocent = rawEntry({ name: 'innocent.txt', typeflag: '0' }, 'hello\n');

describe('entry types outside the allow-list', () => {
  // typeflag, what the entry's body is, the message part that names it
  const cases: Array<[string, string, Buffer, RegExp]> = [
    [
      '1',
      'a hardlink to action.yml',
      rawHeader({ name: 'copy.yml', typeflag: '1', linkname: 'action.yml' }),
      /hardlink/,
    ],
    ['7', 'a contiguous file', rawEntry({ name: 'c.bin', typeflag: '7' }, 'data'), /contiguous file/],
    ['g', 'a pax global header', rawEntry({ name: 'g', typeflag: 'g' }, paxRecords({ path: 'evil.sh' })), /global/],
    ['L', 'a GNU long name', rawEntry({ name: '././@LongLink', typeflag: 'L' }, '../../evil.sh\0'), /long-name/],
    ['K', 'a GNU long link', rawEntry({ name: '././@LongLink', typeflag: 'K' }, '/etc/passwd\0'), /long-link/],
    ['N', 'an old GNU long-names entry', rawEntry({ name: 'names', typeflag: 'N' }, 'x'), /long-names/],
    [
      'X',
      'a Solaris extended header',
      rawEntry({ name: 'PaxHeader', typeflag: 'X' }, paxRecords({ path: '../escaped.txt' })),
      /Solaris/,
    ],
    ['S', 'a GNU sparse file', rawEntry({ name: 'sparse.bin', typeflag: 'S', format: 'gnu' }, 'x'), /sparse/],
    ['V', 'a volume label', rawHeader({ name: 'volume 1', typeflag: 'V', format: 'gnu' }), /volume label/],
    ['M', 'a multi-volume part', rawEntry({ name: 'part.bin', typeflag: 'M', format: 'gnu' }, 'x'), /multi-volume/],
    ['D', 'a GNU directory dump', rawEntry({ name: 'dump/', typeflag: 'D', format: 'gnu' }, 'Ya\0\0'), /dump/],
    ['A', 'an unknown letter', rawEntry({ name: 'a.bin', typeflag: 'A' }, 'x'), /unknown type "A"/],
    ['8', 'an unknown digit', rawEntry({ name: 'a.bin', typeflag: '8' }, 'x'), /unknown type "8"/],
    ['\u0001', 'a control byte', rawEntry({ name: 'a.bin', typeflag: '\u0001' }, 'x'), /unknown type 0x01/],
    ['\u00ff', 'a high byte', rawEntry({ name: 'a.bin', typeflag: '\u00ff' }, 'x'), /unknown type 0xff/],
  ];

  it.each(cases)('typeflag %j (%s) is refused as unsupported-entry', async (_flag, _what, block, message) => {
    const err = await refusal(rawPackage(block, innocent));
    expect(err.code).toBe<TarballErrorCode>('unsupported-entry');
    expect(err.message).toMatch(message);
    // What, which entry, how to fix.
    expect(err.message).toMatch(/may hold only regular files, directories and symlinks/);
  });

  it.skipIf(!hasGnuTar)(
    'a Solaris X header: GNU tar renames the next file out of the folder, so the registry must refuse it',
    async () => {
      const tgz = rawPackage(
        rawEntry({ name: 'PaxHeader', typeflag: 'X' }, paxRecords({ path: '../escaped.txt' })),
        innocent,
      );
      // The file tar-stream called "innocent.txt" is "../escaped.txt" to GNU tar.
      expect(gnuTarList(tgz)).toEqual(['action.yml', '../escaped.txt']);
      const err = await refusal(tgz);
      expect(err.code).toBe('unsupported-entry');
      expect(err.entry).toBe('PaxHeader');
      expect(err.message).toMatch(/GNU tar and Python read it as a pax header that renames the next entry/);
    },
  );

  it('refuses a hardlink even to a file of the package, saying why and what to do', async () => {
    const err = await refusal(rawPackage(rawHeader({ name: 'copy.yml', typeflag: '1', linkname: 'action.yml' })));
    expect(err.code).toBe('unsupported-entry');
    expect(err.entry).toBe('copy.yml');
    expect(err.message).toMatch(/multiply its size past every limit/);
    expect(err.message).toMatch(/replace the link with a copy of the file/);
  });
});

describe('regular files: NUL and "0" typeflags, names ending in "/"', () => {
  it('accepts a file whose typeflag is NUL (old tar) like one whose typeflag is "0"', async () => {
    const pkg = await inspectTarball(rawPackage(rawEntry({ name: 'old.txt', typeflag: '\0' }, 'v7-style\n')));
    expect(pkg.file('old.txt')?.toString()).toBe('v7-style\n');
    expect(pkg.entries.map((e) => [e.path, e.type])).toEqual([
      ['action.yml', 'file'],
      ['old.txt', 'file'],
    ]);
  });

  it.each([
    ['NUL', '\0'],
    ['"0"', '0'],
  ])('refuses a %s file whose name ends in "/" (GNU tar makes it a directory)', async (_what, typeflag) => {
    const tgz = rawPackage(rawEntry({ name: 'lib/', typeflag }, 'payload'), innocent);
    if (hasGnuTar) expect(gnuTarList(tgz)).toContain('lib/');
    const err = await refusal(tgz);
    expect(err.code).toBe('unsupported-entry');
    expect(err.message).toMatch(/regular file whose name ends in "\/"/);
  });
});

describe('framing that readers disagree on', () => {
  it('refuses a directory that carries data (GNU tar and Python read that data as the next header)', async () => {
    const smuggled = rawEntry({ name: 'smuggled.sh', typeflag: '0' }, 'evil\n');
    const tgz = rawPackage(
      rawHeader({ name: 'dir/', typeflag: '5', size: smuggled.length }),
      smuggled,
      rawEntry({ name: 'after.txt', typeflag: '0' }, 'ok'),
    );
    if (hasGnuTar) expect(gnuTarList(tgz)).toContain('smuggled.sh');
    const err = await refusal(tgz);
    expect(err.code).toBe('unsupported-entry');
    expect(err.message).toMatch(/directory entry "dir\/" carries 1024 bytes of data/);
  });

  it('refuses entries hidden after the end-of-archive marker (GNU tar stops there, tar-stream went on)', async () => {
    const tgz = gzipSync(
      Buffer.concat([
        rawEntry({ name: 'action.yml', typeflag: '0' }, ACTION_YML),
        Buffer.alloc(512),
        rawEntry({ name: 'hidden.sh', typeflag: '0' }, 'evil\n'),
        END_OF_ARCHIVE,
      ]),
    );
    if (hasGnuTar) expect(gnuTarList(tgz)).toEqual(['action.yml']);
    const err = await refusal(tgz);
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/data after its end-of-archive marker/);
  });

  it('accepts zero padding after the marker, as GNU tar writes to fill its last record', async () => {
    const tgz = gzipSync(
      Buffer.concat([rawEntry({ name: 'action.yml', typeflag: '0' }, ACTION_YML), END_OF_ARCHIVE, Buffer.alloc(8192)]),
    );
    await expect(inspectTarball(tgz)).resolves.toMatchObject({ actionYml: ACTION_YML });
  });

  it.each([
    ['a size with a stray character', { 124: '0000000012x4' }],
    ['a size in base-256', { 124: Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6]) }],
    ['a mode with garbage after the digits', { 100: '0644 x\0' }],
    ['a blank size', { 124: '           \0' }],
  ])('refuses %s (GNU tar and Python fail where tar-stream guessed)', async (_what, patch) => {
    const err = await refusal(rawPackage(rawEntry({ name: 'x.txt', typeflag: '0', patch }, 'hello\n')));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/invalid tar header at byte 1024/);
  });

  it('refuses a GNU header whose prefix field holds data (Python would prepend it to the name)', async () => {
    const err = await refusal(
      rawPackage(rawEntry({ name: 'x.txt', typeflag: '0', format: 'gnu', patch: { 345: 'evil' } })),
    );
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/prefix/);
  });

  it('refuses a name that is not valid UTF-8 (tar-stream replaced the bytes, GNU tar writes them)', async () => {
    const err = await refusal(
      rawPackage(rawEntry({ name: Buffer.from([0x61, 0xff, 0x2e, 0x73, 0x68]), typeflag: '0' })),
    );
    expect(err.code).toBe('invalid-path');
    expect(err.message).toMatch(/UTF-8/);
  });
});

describe('pax headers', () => {
  const withPax = (records: Record<string, string> | Buffer, entry = innocent) =>
    rawPackage(
      rawEntry({ name: 'PaxHeader', typeflag: 'x' }, Buffer.isBuffer(records) ? records : paxRecords(records)),
      entry,
    );

  it('applies path and ignores times and owners', async () => {
    const pkg = await inspectTarball(
      withPax({ path: 'docs/long-name.txt', mtime: '1700000000.5', uid: '1000', uname: 'alice' }),
    );
    expect(pkg.file('docs/long-name.txt')?.toString()).toBe('hello\n');
    expect(pkg.file('innocent.txt')).toBeUndefined();
  });

  it.each([
    ['size', { size: '6' }],
    ['GNU.sparse.major', { 'GNU.sparse.major': '1' }],
    ['hdrcharset', { hdrcharset: 'BINARY' }],
    ['SCHILY.xattr.security.capability', { 'SCHILY.xattr.security.capability': 'x' }],
  ])('refuses the key %s as unsupported-entry', async (key, records) => {
    const err = await refusal(withPax(records));
    expect(err.code).toBe('unsupported-entry');
    expect(err.message).toContain(`sets "${key}"`);
  });

  it.each([
    ['a record whose length is wrong', Buffer.from('99 path=a.txt\n')],
    ['a record without a newline', Buffer.from('13 path=a.txt ')],
    ['trailing bytes', Buffer.concat([paxRecords({ path: 'a.txt' }), Buffer.from([0, 0])])],
    ['a key given twice', Buffer.concat([paxRecords({ path: 'a.txt' }), paxRecords({ path: 'b.txt' })])],
    ['an empty path ("unset" to GNU tar, "" to Python)', paxRecords({ path: '' })],
  ])('refuses %s', async (_what, body) => {
    const err = await refusal(withPax(body));
    expect(err.code).toBe('corrupt');
  });

  it('refuses two pax headers for one entry, and one with no entry after it', async () => {
    const pax = rawEntry({ name: 'PaxHeader', typeflag: 'x' }, paxRecords({ path: 'a.txt' }));
    expect((await refusal(rawPackage(pax, pax, innocent))).message).toMatch(/two pax headers/);
    expect((await refusal(rawPackage(pax))).message).toMatch(/no entry after it/);
  });

  it('refuses a pax path that climbs out, like a plain one', async () => {
    const err = await refusal(withPax({ path: '../../etc/cron.d/evil' }));
    expect(err.code).toBe('path-traversal');
  });
});
