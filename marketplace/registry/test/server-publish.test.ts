/** Publishing through the real HTTP server on 127.0.0.1, against SQLite and PostgreSQL. */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionTarball,
  actionYml,
  blobFiles,
  buildTarball,
  json,
  publish,
  startTestRegistry,
  storeFactories,
  type TarEntry,
  type TestRegistry,
} from './helpers.js';
import { END_OF_ARCHIVE, paxRecords, rawEntry } from './tarball/build-tarball.js';

const sha512 = (b: Buffer | ArrayBuffer) =>
  `sha512-${createHash('sha512')
    .update(Buffer.from(b as ArrayBuffer))
    .digest('base64')}`;
const yml = (name = 'acme/evil', version = '1.0.0') => ({ name: 'action.yml', content: actionYml(name, version) });

const hostile: [string, () => Promise<Buffer>, number, RegExp][] = [
  ['a ".." path', () => buildTarball([yml(), { name: '../escape.sh', content: 'x' }]), 422, /tarball-path-traversal/],
  [
    'an absolute path',
    () => buildTarball([yml(), { name: '/etc/cron.d/evil', content: 'x' }]),
    422,
    /tarball-absolute-path/,
  ],
  [
    'a symlink out of the tree',
    () => buildTarball([yml(), { name: 'link', type: 'symlink', linkname: '../../etc/passwd' }]),
    422,
    /tarball-link-outside/,
  ],
  [
    'an absolute symlink',
    () => buildTarball([yml(), { name: 'link', type: 'symlink', linkname: '/etc/passwd' }]),
    422,
    /tarball-link-outside/,
  ],
  [
    'a hardlink out of the tree',
    () => buildTarball([yml(), { name: 'hard', type: 'link', linkname: '/etc/passwd' }]),
    422,
    /tarball-unsupported-entry/,
  ],
  [
    // 1 MB upload, 61 MB of entries: each link would be another full copy of the payload.
    'a hardlink bomb',
    () =>
      buildTarball([
        yml(),
        { name: 'payload.bin', content: randomBytes(1024 * 1024) },
        ...Array.from({ length: 60 }, (_, i): TarEntry => ({
          name: `copy${i}`,
          type: 'link',
          linkname: 'payload.bin',
        })),
      ]),
    422,
    /tarball-unsupported-entry/,
  ],
  [
    // GNU tar and Python read a Solaris "X" header as one that renames the next file.
    'a Solaris X extended header',
    async () =>
      gzipSync(
        Buffer.concat([
          rawEntry({ name: 'action.yml', typeflag: '0' }, actionYml('acme/evil', '1.0.0')),
          rawEntry({ name: 'PaxHeader', typeflag: 'X' }, paxRecords({ path: '../escape.sh' })),
          rawEntry({ name: 'innocent.sh', typeflag: '0' }, 'echo hi\n'),
          END_OF_ARCHIVE,
        ]),
      ),
    422,
    /tarball-unsupported-entry/,
  ],
  ['a device file', () => buildTarball([yml(), { name: 'dev', type: 'character-device' }]), 422, /tarball-device-file/],
  [
    'more than 1000 entries',
    () => buildTarball([yml(), ...Array.from({ length: 1001 }, (_, i): TarEntry => ({ name: `f${i}`, content: '' }))]),
    413,
    /tarball-too-many-entries/,
  ],
  [
    'more than 50 MB unpacked',
    () => buildTarball([yml(), { name: 'big.bin', size: 51 * 1024 * 1024 }]),
    413,
    /tarball-too-large/,
  ],
  ['bytes that are not gzip', async () => Buffer.from('this is not a tarball at all'), 400, /tarball-not-gzip/],
  ['no action.yml', () => buildTarball([{ name: 'README.md', content: 'hi' }]), 422, /tarball-missing-action-yml/],
  [
    'action.yml that is not YAML',
    () => buildTarball([{ name: 'action.yml', content: 'name: [unclosed' }]),
    422,
    /invalid-action-yml/,
  ],
  [
    'action.yml without a version',
    () => buildTarball([{ name: 'action.yml', content: 'name: acme/evil\ndescription: x\n' }]),
    422,
    /invalid-action-yml/,
  ],
  ['a version different from the URL', () => buildTarball([yml('acme/evil', '2.0.0')]), 422, /spec-mismatch/],
  ['a name different from the URL', () => buildTarball([yml('acme/other', '1.0.0')]), 422, /spec-mismatch/],
];

describe.each(storeFactories)('publish over HTTP ($kind)', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let reg: TestRegistry;
    beforeAll(async () => {
      reg = await startTestRegistry(factory);
    });
    afterAll(async () => {
      await reg?.stop();
    });

    it('10 concurrent publishes of one new version: one 201, nine 409, stored bytes match the integrity (20 trials)', async () => {
      for (let trial = 0; trial < 20; trial++) {
        const version = `1.0.${trial}`;
        const bodies = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            actionTarball('acme/race', version, { salt: `${trial}-${i}-${randomBytes(4).toString('hex')}` }),
          ),
        );
        const responses = await Promise.all(
          bodies.map((b) => publish(reg.url, reg.tokens['alice'], 'acme/race', version, b, sha512(b))),
        );
        const statuses = responses.map((r) => r.status).sort();
        expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
        const winner = responses.findIndex((r) => r.status === 201);
        const created = (await responses[winner]?.json()) as { integrity: string };
        expect(created.integrity).toBe(sha512(bodies[winner] as Buffer));
        const dl = await fetch(`${reg.url}/v1/actions/acme/race/-/versions/${version}/tarball`, {
          headers: { authorization: `Bearer ${reg.tokens['alice']}` },
        });
        const bytes = await dl.arrayBuffer();
        expect(sha512(bytes)).toBe(created.integrity);
        expect(dl.headers.get('x-caravan-integrity')).toBe(created.integrity);
        for (const r of responses)
          if (r.status === 409)
            expect(((await r.json()) as { error: { code: string } }).error.code).toBe('version-exists');
      }
      const list = await json(reg.url, reg.tokens['alice'], 'GET', '/v1/actions/acme/race/-/versions');
      expect((list.body as { versions: unknown[] }).versions).toHaveLength(20);
    });

    it('publish without the role → 403 (401 anonymous) and nothing stored', async () => {
      const before = blobFiles(reg.dataDir).length;
      const cases: [string | undefined, string, number][] = [
        [reg.tokens['eve'], 'acme/denied', 403],
        [reg.tokens['carol'], 'acme/denied', 403],
        [reg.tokens['bob'], 'acme/denied', 403],
        [reg.tokens['alice'], 'caravan/denied', 403],
        [reg.tokens['eve'], '~alice/denied', 403],
        [undefined, 'acme/denied', 401],
      ];
      for (const [token, name, status] of cases) {
        const res = await publish(reg.url, token, name, '1.0.0', await actionTarball(name, '1.0.0'));
        expect(res.status, `${name}`).toBe(status);
        const body = (await res.json()) as { error: { message: string; hint?: string } };
        expect(body.error.message.length).toBeGreaterThan(10);
        const list = await json(reg.url, reg.tokens['root'], 'GET', `/v1/actions/${name}/-/versions`);
        expect(list.status).toBe(404);
      }
      const big = await publish(reg.url, reg.tokens['eve'], 'acme/denied', '1.0.0', randomBytes(9 * 1024 * 1024));
      expect(big.status).toBe(403);
      expect(blobFiles(reg.dataDir).length).toBe(before);
    });

    it('publishes where the role allows: project publisher, personal owner, admin in caravan/', async () => {
      const cases: [string, string][] = [
        ['bob', 'acme/payments/deploy'],
        ['eve', '~eve/lint'],
        ['root', 'caravan/checkout'],
        ['alice', 'acme/payments/ledger'],
      ];
      for (const [user, name] of cases) {
        const res = await publish(reg.url, reg.tokens[user], name, '1.0.0', await actionTarball(name, '1.0.0'));
        expect(res.status, `${user} → ${name}`).toBe(201);
      }
    });

    it.each(hostile)('rejects a tarball with %s, writing nothing', async (_what, make, status, code) => {
      const before = blobFiles(reg.dataDir).length;
      const res = await publish(reg.url, reg.tokens['alice'], 'acme/evil', '1.0.0', await make());
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).toMatch(code);
      expect(text).not.toMatch(/at .*\.ts:\d+/);
      expect(blobFiles(reg.dataDir).length).toBe(before);
      expect((await json(reg.url, reg.tokens['alice'], 'GET', '/v1/actions/acme/evil/-/versions')).status).toBe(404);
    });

    it('rejects a body over the compressed limit with 413 and a mismatching integrity header with 400', async () => {
      const huge = await publish(reg.url, reg.tokens['alice'], 'acme/evil', '1.0.0', randomBytes(11 * 1024 * 1024));
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('body-too-large');
      const body = await actionTarball('acme/evil', '1.0.0');
      const bad = await publish(reg.url, reg.tokens['alice'], 'acme/evil', '1.0.0', body, sha512(Buffer.from('other')));
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('integrity-mismatch');
      const wrongType = await fetch(`${reg.url}/v1/actions/acme/evil/-/versions/1.0.0`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${reg.tokens['alice']}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(wrongType.status).toBe(415);
      expect((await json(reg.url, reg.tokens['alice'], 'GET', '/v1/actions/acme/evil/-/versions')).status).toBe(404);
    });

    it('never reuses a deleted version (tombstone) and keeps versions immutable', async () => {
      const a = await actionTarball('acme/tomb', '1.0.0', { salt: 'a' });
      expect((await publish(reg.url, reg.tokens['alice'], 'acme/tomb', '1.0.0', a)).status).toBe(201);
      const again = await publish(
        reg.url,
        reg.tokens['alice'],
        'acme/tomb',
        '1.0.0',
        await actionTarball('acme/tomb', '1.0.0', { salt: 'b' }),
      );
      expect(again.status).toBe(409);
      expect(
        (await json(reg.url, reg.tokens['alice'], 'DELETE', '/v1/actions/acme/tomb/-/versions/1.0.0')).status,
      ).toBe(204);
      const reuse = await publish(reg.url, reg.tokens['alice'], 'acme/tomb', '1.0.0', a);
      expect(reuse.status).toBe(409);
      expect(((await reuse.json()) as { error: { code: string } }).error.code).toBe('version-deleted');
    });

    it('rejects bad names and versions in the URL with 400', async () => {
      const body = await actionTarball('acme/x', '1.0.0');
      expect((await publish(reg.url, reg.tokens['alice'], 'acme/x', 'v1.0.0', body)).status).toBe(400);
      expect((await publish(reg.url, reg.tokens['alice'], 'acme/x', 'latest', body)).status).toBe(400);
      expect((await publish(reg.url, reg.tokens['alice'], 'ACME/x', '1.0.0', body)).status).toBe(400);
      expect((await publish(reg.url, reg.tokens['alice'], '~alice/p/x', '1.0.0', body)).status).toBe(400);
    });
  });
});
