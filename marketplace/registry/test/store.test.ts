/** One suite, run against both store implementations (SQLite file and a fresh PostgreSQL schema). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/open.js';
import type { AuditEntry, RegistryStore, VersionRecord } from '../src/store/types.js';
import { cleanup, storeFactories, tempDir } from './helpers.js';

const audit = (action: string, scope = 'acme', target = 'x'): AuditEntry => ({
  at: new Date().toISOString(),
  user: 'alice',
  tokenId: 'tok_1',
  action,
  target,
  scope,
  detail: '',
});

function version(name: string, v: string, extra: Partial<VersionRecord> = {}): VersionRecord {
  return {
    name,
    version: v,
    integrity: `sha512-${name}-${v}`,
    sha256: 'a'.repeat(64),
    size: 10,
    spec: '{}',
    description: `about ${name}`,
    scope: name.split('/').slice(0, -1).join('/'),
    publishedAt: new Date().toISOString(),
    publisher: 'alice',
    tokenId: 'tok_1',
    yanked: false,
    ...extra,
  };
}

describe.each(storeFactories)('RegistryStore on $kind', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let store: RegistryStore;
    let opts: ReturnType<typeof factory.options>;

    beforeEach(async () => {
      opts = factory.options(tempDir());
      store = await openStore(opts);
    });
    afterEach(async () => {
      await store.close();
      await cleanup(opts);
    });

    it('migrates idempotently, also from a second process', async () => {
      await store.migrate();
      const second = await openStore(opts);
      await second.migrate();
      await second.close();
      expect(await store.getUser('nobody')).toBeUndefined();
    });

    it('adds users once and keeps grants and tokens', async () => {
      expect(await store.addUser({ name: 'alice', admin: false, createdAt: 'now' }, audit('user-add', ''))).toBe(true);
      expect(await store.addUser({ name: 'alice', admin: true, createdAt: 'now' }, audit('user-add', ''))).toBe(false);
      expect(await store.getUser('alice')).toMatchObject({ name: 'alice', admin: false });
      await store.setGrant('alice', 'acme', 'publisher', audit('grant'));
      await store.setGrant('alice', 'acme', 'owner', audit('grant'));
      await store.setGrant('alice', 'acme/payments', 'reader', audit('grant'));
      expect(await store.grantsFor('alice')).toEqual([
        { user: 'alice', scope: 'acme', role: 'owner' },
        { user: 'alice', scope: 'acme/payments', role: 'reader' },
      ]);
      await store.setGrant('alice', 'acme/payments', null, audit('grant'));
      expect(await store.grantsFor('alice')).toHaveLength(1);

      await store.addToken(
        { id: 'tok_a', user: 'alice', hash: 'h1', scopes: ['acme'], access: 'read', createdAt: 'now' },
        audit('token-create', ''),
      );
      expect(await store.tokenByHash('h1')).toMatchObject({ id: 'tok_a', scopes: ['acme'], access: 'read' });
      expect(await store.revokeToken('tok_a', 'later', audit('token-revoke', ''))).toBe(true);
      expect(await store.revokeToken('tok_a', 'later', audit('token-revoke', ''))).toBe(false);
      expect((await store.tokenByHash('h1'))?.revokedAt).toBe('later');
    });

    it('keeps a version immutable and a deleted one as a tombstone', async () => {
      expect(await store.publish(version('acme/lint', '1.0.0'), audit('publish'))).toBe('created');
      expect(await store.publish(version('acme/lint', '1.0.0', { integrity: 'sha512-other' }), audit('publish'))).toBe(
        'exists',
      );
      expect((await store.getVersion('acme/lint', '1.0.0'))?.integrity).toBe('sha512-acme/lint-1.0.0');
      expect(await store.changeVersion('acme/lint', '1.0.0', { delete: true }, audit('delete'))).toBe(true);
      expect(await store.publish(version('acme/lint', '1.0.0'), audit('publish'))).toBe('tombstone');
      expect((await store.getVersion('acme/lint', '1.0.0'))?.deletedAt).toBeDefined();
      expect(await store.changeVersion('acme/lint', '1.0.0', { yanked: true }, audit('yank'))).toBe(false);
      expect(await store.distTags('acme/lint')).toEqual({});
    });

    it('keeps latest at the highest stable, non-yanked version unless an owner sets it', async () => {
      for (const v of ['1.0.0', '2.0.0', '1.5.0', '3.0.0-rc.1'])
        await store.publish(version('acme/lint', v), audit('publish'));
      expect(await store.distTags('acme/lint')).toEqual({ latest: '2.0.0' });
      await store.changeVersion('acme/lint', '2.0.0', { yanked: true }, audit('yank'));
      expect((await store.distTags('acme/lint'))['latest']).toBe('1.5.0');
      await store.changeVersion('acme/lint', '2.0.0', { yanked: false }, audit('unyank'));
      expect((await store.distTags('acme/lint'))['latest']).toBe('2.0.0');
      expect(await store.setDistTag('acme/lint', 'latest', '1.0.0', audit('dist-tag'))).toBe(true);
      await store.publish(version('acme/lint', '2.1.0'), audit('publish'));
      expect((await store.distTags('acme/lint'))['latest']).toBe('1.0.0');
      await store.changeVersion('acme/lint', '1.0.0', { delete: true }, audit('delete'));
      expect((await store.distTags('acme/lint'))['latest']).toBe('2.1.0');
      expect(await store.setDistTag('acme/lint', 'beta', '3.0.0-rc.1', audit('dist-tag'))).toBe(true);
      expect(await store.setDistTag('acme/lint', 'beta', '9.9.9', audit('dist-tag'))).toBe(false);
      expect(await store.distTags('acme/lint')).toEqual({ latest: '2.1.0', beta: '3.0.0-rc.1' });
    });

    it('sorts versions by semver, not text ("10.0.0" > "9.0.0")', async () => {
      for (const v of ['9.0.0', '10.0.0']) await store.publish(version('acme/lint', v), audit('publish'));
      expect((await store.distTags('acme/lint'))['latest']).toBe('10.0.0');
    });

    it('records deprecation and lists every version', async () => {
      await store.publish(version('acme/lint', '1.0.0'), audit('publish'));
      await store.changeVersion('acme/lint', '1.0.0', { deprecated: 'use 2.x' }, audit('deprecate'));
      const [v] = await store.listVersions('acme/lint');
      expect(v).toMatchObject({ deprecated: 'use 2.x', yanked: false });
      await store.changeVersion('acme/lint', '1.0.0', { deprecated: null }, audit('deprecate'));
      expect((await store.getVersion('acme/lint', '1.0.0'))?.deprecated).toBeUndefined();
    });

    it('reads the audit log of a scope and its projects only', async () => {
      await store.publish(version('acme/lint', '1.0.0'), audit('publish', 'acme', 'acme/lint@1.0.0'));
      await store.publish(
        version('acme/payments/deploy', '1.0.0'),
        audit('publish', 'acme/payments', 'acme/payments/deploy@1.0.0'),
      );
      await store.publish(
        version('acme2/lint', '1.0.0', { scope: 'acme2' }),
        audit('publish', 'acme2', 'acme2/lint@1.0.0'),
      );
      const entries = await store.audit('acme', 10);
      expect(entries.map((e) => e.target)).toEqual(['acme/payments/deploy@1.0.0', 'acme/lint@1.0.0']);
      expect(entries[0]).toMatchObject({ user: 'alice', tokenId: 'tok_1', action: 'publish' });
    });

    it('lets exactly one of many concurrent publishers (two store instances) create a version', async () => {
      const other = await openStore(opts);
      try {
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : store).publish(
              version('acme/lint', '1.0.0', { integrity: `sha512-${i}` }),
              audit('publish'),
            ),
          ),
        );
        expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'exists')).toHaveLength(9);
        const winner = outcomes.indexOf('created');
        expect((await store.getVersion('acme/lint', '1.0.0'))?.integrity).toBe(`sha512-${winner}`);
        expect((await store.audit('acme', 100)).filter((e) => e.action === 'publish')).toHaveLength(1);
      } finally {
        await other.close();
      }
    });
  });
});
