/**
 * Properties over generated archives: any input either inspects cleanly or fails with a
 * TarballError (never another exception), and symlinks that pass the checks stay inside the
 * package when the OS resolves them for real.
 */
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTarball, inspectTarball, TarballError } from '../../src/tarball/index.js';
import { ACTION_YML, buildTar, packageWith } from './build-tarball.js';

const outcome = async (tgz: Buffer): Promise<'ok' | 'refused'> =>
  inspectTarball(tgz, { maxEntries: 50, maxUnpackedBytes: 64 * 1024 }).then(
    () => 'ok' as const,
    (err: unknown) => {
      if (!(err instanceof TarballError)) throw err;
      expect(err.message.length).toBeGreaterThan(20);
      return 'refused' as const;
    },
  );

describe('inspectTarball on arbitrary input', () => {
  it('answers random bytes, random gzip data and mutated packages with a TarballError or a package', async () => {
    const valid = await packageWith(
      { header: { name: 'run.sh', mode: 0o755 }, body: 'echo hi\n' },
      { header: { name: 'l', type: 'symlink', linkname: 'run.sh' } },
    );
    const validTar = await buildTar([{ header: { name: 'action.yml' }, body: ACTION_YML }]);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
          fc.uint8Array({ maxLength: 4096 }).map((b) => gzipSync(Buffer.from(b))),
          fc
            .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
            .map((edits) => {
              const copy = Buffer.from(valid);
              for (const [at, byte] of edits) copy[at] = byte;
              return copy;
            }),
          fc
            .array(fc.tuple(fc.nat(validTar.length - 1), fc.integer({ min: 0, max: 255 })), {
              minLength: 1,
              maxLength: 8,
            })
            .map((edits) => {
              const copy = Buffer.from(validTar);
              for (const [at, byte] of edits) copy[at] = byte;
              return gzipSync(copy);
            }),
        ),
        async (input) => {
          await outcome(input);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a pax header that claims a huge size', async () => {
    const tgz = await packageWith({ header: { name: 'x.txt', pax: { size: '99999999999' } }, body: 'small' });
    const err = await inspectTarball(tgz).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TarballError);
    expect((err as TarballError).code).toBe('unsupported-entry');
  });

  it('keeps long paths (pax headers) intact', async () => {
    const long = `${'deep/'.repeat(40)}file.txt`;
    const pkg = await inspectTarball(await packageWith({ header: { name: long }, body: 'x' }));
    expect(pkg.file(long)?.toString()).toBe('x');
  });
});

describe('symlinks accepted by the checks, resolved by the OS', () => {
  let root: string;
  beforeAll(async () => {
    // Escapes land on real files out here, so realpath would see them.
    root = await mkdtemp(join(tmpdir(), 'caravan-links-'));
    for (const name of ['a', 'b', 's', 't', 'x']) {
      await writeFile(join(root, name), 'outside');
      await mkdir(join(root, `${name}d`), { recursive: true });
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  // Few names, so targets often run through the package's other links.
  const segment = fc.constantFrom('s', 't', 'a', '..', '.');
  const linkPath = fc.oneof(fc.constantFrom('s', 't', 'a'), fc.constantFrom('ad/s', 'ad/t'));
  const target = fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'));

  it('never lets an accepted symlink resolve outside the package', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(linkPath, target), { minLength: 1, maxLength: 4, selector: ([name]) => name }),
        async (links) => {
          const entries = [
            { header: { name: 'ad/f.txt' }, body: 'inside' },
            ...links.map(([name, linkname]) => ({ header: { name, type: 'symlink' as const, linkname } })),
          ];
          const tgz = await packageWith(...entries);
          if ((await outcome(tgz)) === 'refused') return;
          const dest = join(root, `pkg-${run++}`);
          await extractTarball(tgz, dest);
          const inside = await realpath(dest);
          for (const [name] of links) {
            const resolved = await realpath(join(dest, name)).catch(() => undefined);
            if (resolved !== undefined)
              expect(resolved === inside || resolved.startsWith(inside + sep), `${name} -> ${resolved}`).toBe(true);
          }
          await rm(dest, { recursive: true, force: true });
        },
      ),
      { numRuns: 150 },
    );
    expect((await readdir(root)).filter((n) => n.startsWith('pkg-'))).toEqual([]);
    // Enough generated packages pass the checks for the property to mean something.
    expect(run).toBeGreaterThan(20);
  });
});
