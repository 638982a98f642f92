/**
 * `caravan action search` and `caravan action show` against a real registry, on both stores: the
 * ranking and read permissions of the catalog, the action page as text and JSON, and bad input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionTarball,
  json,
  publish,
  startTestRegistry,
  storeFactories,
  type TestRegistry,
} from '../../marketplace/registry/test/helpers.js';
import { caravan, ensureBuilt } from './author-helpers.js';

const DEPLOY_YML = `category: deploy
inputs:
  environment:
    type: string
    description: where to deploy
    required: true
    enum: [staging, production]
  api_key:
    type: string
    secret: true
    default: not-a-real-secret-default
  replicas:
    type: number
    default: 2
outputs:
  url:
    type: string
    description: the deployed URL
`;

describe.each(storeFactories)('caravan action search|show on $kind', { timeout: 180_000 }, (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let registry: TestRegistry;
    let home: string;

    const cli = (args: string[], user?: string) =>
      caravan(['action', ...args], {
        cwd: home,
        env: {
          CARAVAN_HOME: home,
          CARAVAN_REGISTRY: registry.url,
          CARAVAN_TOKEN: user === undefined ? '' : (registry.tokens[user] ?? ''),
          COLUMNS: '100',
        },
      });

    beforeAll(async () => {
      ensureBuilt();
      home = mkdtempSync(join(tmpdir(), 'caravan-search-'));
      registry = await startTestRegistry(factory);
      const alice = registry.tokens['alice'];
      const items: Array<[string | undefined, string, string, Parameters<typeof actionTarball>[2]]> = [
        [alice, 'acme/payments/deploy', '1.0.0', { extra: DEPLOY_YML, readme: '# Deploy\n\nShips payments.' }],
        [alice, 'acme/payments/deploy', '1.1.0', { extra: DEPLOY_YML }],
        [alice, 'acme/lint', '1.0.0', { extra: 'category: quality\n' }],
        [registry.tokens['eve'], '~eve/deploy-notes', '0.1.0', {}],
      ];
      for (const [token, name, version, opts] of items) {
        const res = await publish(registry.url, token, name, version, await actionTarball(name, version, opts));
        expect(res.status, await res.text()).toBe(201);
      }
      await json(registry.url, alice, 'POST', '/v1/actions/acme/payments/deploy/-/versions/1.0.0/deprecate', {
        message: 'use 1.1',
      });
      await json(registry.url, alice, 'POST', '/v1/actions/acme/lint/-/versions/1.0.0/deprecate', {
        message: 'use acme/lint2',
      });
    }, 120_000);

    afterAll(async () => {
      await registry?.stop();
      rmSync(home, { recursive: true, force: true });
    });

    it('prints one line per readable hit: name, version, scope kind, category, deprecated, description', async () => {
      const r = await cli(['search', 'deploy'], 'carol');
      expect(r.exitCode, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^acme\/payments\/deploy {2}1\.1\.0 {2}project {2}deploy {2}test action acme\/payments\/deploy$/,
      );
      const all = await cli(['search', '--scope', 'acme'], 'carol');
      expect(all.stdout).toMatch(/^acme\/lint +1\.0\.0 +enterprise +quality +DEPRECATED +test action acme\/lint$/m);
      const eve = await cli(['search', 'deploy'], 'eve');
      expect(eve.stdout.trim()).toMatch(/^~eve\/deploy-notes +0\.1\.0 +personal +- +test action/);
      const anonymous = await cli(['search', 'deploy']);
      expect(anonymous.stdout).toBe('');
      expect(anonymous.stderr).toContain('no action you can read matches');
    });

    it('answers --json with {hits, total}, pages with --limit, and filters by category', async () => {
      const r = await cli(['search', '--scope', 'acme', '--limit', '1', '--json'], 'carol');
      expect(r.exitCode, r.stderr).toBe(0);
      const page = JSON.parse(r.stdout) as { hits: { name: string }[]; total: number };
      expect(page.total).toBe(2);
      expect(page.hits.map((h) => h.name)).toEqual(['acme/lint']);
      expect(r.stderr).toBe('');
      const text = await cli(['search', '--scope', 'acme', '--limit', '1'], 'carol');
      expect(text.stderr).toContain('1 of 2');
      const cat = await cli(['search', '--category', 'quality', '--json'], 'carol');
      expect((JSON.parse(cat.stdout) as { total: number }).total).toBe(1);
    });

    it.each([
      [['search'], 2, /say what to search for/],
      [['search', 'x', '--limit', '0'], 2, /limit/],
      [['search', 'a'.repeat(201)], 2, /query-too-long|at most 200/],
      [['search', 'x', '--scope', '../etc'], 2, /invalid scope/],
      [['show', 'not a name'], 2, /name/],
      [['show', 'acme/nothing'], 2, /does not exist/],
      [['show', 'acme/lint@^9'], 2, /acme\/lint@\^9/],
    ])('refuses %j with exit %i and a clear message', async (args, code, message) => {
      const r = await cli(args, 'carol');
      expect(r.exitCode, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    });

    it('shows the action page as text: runtime, inputs, outputs, versions, tags, integrity, resolutions', async () => {
      for (let i = 0; i < 2; i++)
        await json(registry.url, registry.tokens['carol'], 'GET', '/v1/actions/acme/payments/deploy/-/resolve');
      await registry.registry.resolutions.flush();
      const r = await cli(['show', 'acme/payments/deploy'], 'carol');
      expect(r.exitCode, r.stderr).toBe(0);
      const out = r.stdout;
      expect(out).toMatch(/^acme\/payments\/deploy@1\.1\.0\n {2}test action acme\/payments\/deploy\n/);
      expect(out).toMatch(/^runtime +command: echo$/m);
      expect(out).toMatch(/^category +deploy$/m);
      expect(out).toMatch(/^published +\d{4}-\d{2}-\d{2} by alice$/m);
      expect(out).toMatch(/^integrity +sha512-/m);
      expect(out).toMatch(/^resolutions +2 in the last 30 days$/m);
      expect(out).toMatch(/^dist-tags +latest: 1\.1\.0$/m);
      expect(out).toMatch(/^ {2}environment +string +- +yes +- +staging\|production +where to deploy$/m);
      expect(out).toMatch(/^ {2}api_key +string +- +- +yes +- *$/m);
      expect(out).toMatch(/^ {2}replicas +number +2 +- +- +-/m);
      expect(out).toMatch(/^ {2}url +string +the deployed URL$/m);
      expect(out).toMatch(/^ {2}1\.0\.0 +\d{4}-\d{2}-\d{2} +deprecated: use 1\.1$/m);
      expect(out).not.toContain('not-a-real-secret-default');
      const long = out.split('\n').filter((l) => [...l].length > 100 && !l.startsWith('integrity'));
      expect(long).toEqual([]);
    });

    it('cuts descriptions to COLUMNS', async () => {
      const r = await caravan(['action', 'search', '--scope', 'acme'], {
        cwd: home,
        env: {
          CARAVAN_HOME: home,
          CARAVAN_REGISTRY: registry.url,
          CARAVAN_TOKEN: registry.tokens['carol'] ?? '',
          COLUMNS: '80',
        },
      });
      const lines = r.stdout.split('\n');
      expect(lines.every((l) => l.length <= 80)).toBe(true);
      expect(lines.some((l) => l.endsWith('…'))).toBe(true);
    });

    it('shows a range as that version, and --json as the page data', async () => {
      const r = await cli(['show', 'acme/payments/deploy@~1.0', '--json'], 'carol');
      expect(r.exitCode, r.stderr).toBe(0);
      const view = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(view).toMatchObject({
        name: 'acme/payments/deploy',
        version: '1.0.0',
        deprecated: 'use 1.1',
        runtime: 'command: echo',
        category: 'deploy',
        distTags: { latest: '1.1.0' },
        publisher: 'alice',
        readme: '# Deploy\n\nShips payments.',
        outputs: [{ name: 'url', type: 'string', description: 'the deployed URL' }],
      });
      expect(view['inputs']).toContainEqual({
        name: 'environment',
        type: 'string',
        required: true,
        secret: false,
        enum: ['staging', 'production'],
        description: 'where to deploy',
      });
      expect((view['versions'] as unknown[]).length).toBe(2);
      const denied = await cli(['show', 'acme/payments/deploy'], 'eve');
      expect(denied.exitCode).toBe(3);
    });
  });
});
