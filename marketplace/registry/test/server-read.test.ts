/** Read API: version list, resolve, version detail, tarball with ETag, search, OpenAPI. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTarball, json, publish, startTestRegistry, storeFactories, type TestRegistry } from './helpers.js';

const sqlite = storeFactories[0];
if (!sqlite) throw new Error('no SQLite factory');

describe('read API', () => {
  let reg: TestRegistry;
  let token: string;
  beforeAll(async () => {
    reg = await startTestRegistry(sqlite);
    token = reg.tokens['alice'] ?? '';
    for (const v of ['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1']) {
      const body = await actionTarball('acme/lint', v, { readme: `# lint ${v}`, extra: 'category: quality\n' });
      expect((await publish(reg.url, token, 'acme/lint', v, body)).status).toBe(201);
    }
    expect(
      (
        await publish(
          reg.url,
          token,
          'acme/git-checkout',
          '1.0.0',
          await actionTarball('acme/git-checkout', '1.0.0', { extra: 'category: source\n' }),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await publish(
          reg.url,
          reg.tokens['eve'],
          '~eve/secret-lint',
          '1.0.0',
          await actionTarball('~eve/secret-lint', '1.0.0'),
        )
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('lists versions in semver order with dist-tags', async () => {
    const r = await json(reg.url, token, 'GET', '/v1/actions/acme/lint/-/versions');
    const body = r.body as {
      name: string;
      distTags: Record<string, string>;
      versions: { version: string; yanked: boolean; integrity: string; publishedAt: string }[];
    };
    expect(body.name).toBe('acme/lint');
    expect(body.distTags).toEqual({ latest: '1.10.0' });
    expect(body.versions.map((v) => v.version)).toEqual(['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1']);
    expect(body.versions[0]).toMatchObject({ yanked: false, integrity: expect.stringMatching(/^sha512-/) as unknown });
  });

  it('resolves ranges, tags and integrities, with warnings for deprecated and pinned yanked versions', async () => {
    const resolve = async (range: string, extra = '') =>
      await json(reg.url, token, 'GET', `/v1/actions/acme/lint/-/resolve?range=${encodeURIComponent(range)}${extra}`);
    expect((await resolve('^1')).body).toMatchObject({
      name: 'acme/lint',
      version: '1.10.0',
      tarball: '/v1/actions/acme/lint/-/versions/1.10.0/tarball',
      warnings: [],
    });
    expect(((await resolve('^1', '&includePrerelease=true')).body as { version: string }).version).toBe('1.10.0');
    expect(((await resolve('>=1', '&includePrerelease=true')).body as { version: string }).version).toBe('2.0.0-rc.1');
    expect(((await resolve('')).body as { version: string }).version).toBe('1.10.0');
    await json(reg.url, token, 'POST', '/v1/actions/acme/lint/-/versions/1.10.0/yank');
    expect(((await resolve('^1')).body as { version: string }).version).toBe('1.2.0');
    const pinned = (await resolve('1.10.0')).body as { version: string; warnings: string[] };
    expect(pinned.version).toBe('1.10.0');
    expect(pinned.warnings[0]).toMatch(/yanked/);
    await json(reg.url, token, 'POST', '/v1/actions/acme/lint/-/versions/1.2.0/deprecate', { message: 'use 1.10' });
    const dep = (await resolve('~1.2')).body as { version: string; deprecated: string; warnings: string[] };
    expect(dep).toMatchObject({ version: '1.2.0', deprecated: 'use 1.10' });
    expect(dep.warnings[0]).toMatch(/deprecated/);
    await json(reg.url, token, 'POST', '/v1/actions/acme/lint/-/versions/1.10.0/unyank');
    const miss = await resolve('^7');
    expect(miss.status).toBe(404);
    expect(JSON.stringify(miss.body)).toMatch(/available: 2\.0\.0-rc\.1, 1\.10\.0/);
  });

  it('returns a version with its spec and README', async () => {
    const r = await json(reg.url, token, 'GET', '/v1/actions/acme/lint/-/versions/1.0.0');
    expect(r.body).toMatchObject({
      name: 'acme/lint',
      version: '1.0.0',
      readme: '# lint 1.0.0',
      publisher: 'alice',
      yanked: false,
      spec: { name: 'acme/lint', version: '1.0.0', category: 'quality' },
    });
  });

  it('serves tarballs with ETag, integrity header and 304 on If-None-Match', async () => {
    const url = `${reg.url}/v1/actions/acme/lint/-/versions/1.0.0/tarball`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const bytes = Buffer.from(await res.arrayBuffer());
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    expect(res.headers.get('x-caravan-integrity')).toBe(integrity);
    expect(res.headers.get('etag')).toBe(`"${integrity}"`);
    const again = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, 'if-none-match': `"${integrity}"` },
    });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const stale = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'if-none-match': '"sha512-old"' } });
    expect(stale.status).toBe(200);
  });

  it('searches by text, category and scope, showing only what the caller may read', async () => {
    const search = async (q: string, who = token) =>
      (
        (await json(reg.url, who, 'GET', `/v1/search?${q}`)).body as {
          hits: { name: string; version: string; category?: string }[];
        }
      ).hits;
    expect((await search('q=LINT')).map((r) => r.name)).toEqual(['acme/lint']);
    expect(await search('category=source')).toEqual([
      {
        name: 'acme/git-checkout',
        version: '1.0.0',
        description: 'test action acme/git-checkout',
        category: 'source',
        scope: 'acme',
        scopeKind: 'enterprise',
        publishedAt: expect.any(String) as string,
        resolutions30d: 0,
      },
    ]);
    expect((await search('scope=acme')).map((r) => r.name)).toEqual(['acme/git-checkout', 'acme/lint']);
    expect((await search('q=lint', reg.tokens['eve'])).map((r) => r.name)).toEqual(['~eve/secret-lint']);
    expect((await search('q=lint', reg.tokens['root'])).map((r) => r.name).sort()).toEqual([
      'acme/lint',
      '~eve/secret-lint',
    ]);
  });

  it('serves the committed OpenAPI document', async () => {
    const r = await json(reg.url, undefined, 'GET', '/v1/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/actions/{name}/-/versions/{version}',
        '/v1/actions/{name}/-/resolve',
        '/v1/search',
        '/v1/audit',
        '/v1/tokens',
      ]),
    );
  });
});
