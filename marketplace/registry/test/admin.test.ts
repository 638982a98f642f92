/** The bootstrap operations behind `caravan registry user add|grant|token`, in process. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUser, createTokenFor, grant, revokeTokenById } from '../src/admin.js';
import { hashToken } from '../src/auth/tokens.js';
import { openStore } from '../src/open.js';
import type { RegistryStore } from '../src/store/types.js';
import { cleanup, storeFactories, tempDir } from './helpers.js';

const sqlite = storeFactories[0];
if (!sqlite) throw new Error('no SQLite factory');

describe('registry administration', () => {
  const opts = sqlite.options(tempDir());
  let store: RegistryStore;
  beforeEach(async () => {
    store = await openStore(opts);
  });
  afterEach(async () => {
    await store.close();
  });

  it('adds users with a token stored only as its hash', async () => {
    const { id, token } = await addUser(store, 'alice', false);
    expect(token).toMatch(/^cvn_[A-Za-z0-9_-]{43}$/);
    const record = await store.tokenByHash(hashToken(token));
    expect(record).toMatchObject({ id, user: 'alice', scopes: ['*'], access: 'publish' });
    expect(JSON.stringify(record)).not.toContain(token);
    await expect(addUser(store, 'alice', true)).rejects.toThrow(/already exists/);
    await expect(addUser(store, '../x', false)).rejects.toThrow(/invalid user name/);
    await expect(addUser(store, 'A'.repeat(100), false)).rejects.toThrow(/invalid user name/);
  });

  it('grants roles and refuses grants that break the scope rules', async () => {
    await addUser(store, 'bob', false);
    await grant(store, 'bob', 'acme/payments', 'publisher');
    expect(await store.grantsFor('bob')).toEqual([{ user: 'bob', scope: 'acme/payments', role: 'publisher' }]);
    await expect(grant(store, 'nobody', 'acme', 'owner')).rejects.toThrow(/no user "nobody"/);
    await expect(grant(store, 'bob', 'caravan', 'owner')).rejects.toThrow(/reserved/);
    await expect(grant(store, 'bob', '~alice', 'publisher')).rejects.toThrow(/belongs to its user alone/);
    await expect(grant(store, '*', 'acme', 'publisher')).rejects.toThrow(/only be granted reader/);
    await expect(grant(store, 'bob', 'acme/p/x', 'owner')).rejects.toThrow(/invalid scope/);
    await expect(grant(store, 'bob', '../etc', 'owner')).rejects.toThrow(/invalid scope/);
  });

  it('creates narrow tokens and revokes them', async () => {
    await addUser(store, 'ci', false);
    const { id } = await createTokenFor(store, 'ci', ['acme/payments'], 'read');
    expect(await store.getToken(id)).toMatchObject({ scopes: ['acme/payments'], access: 'read' });
    await expect(createTokenFor(store, 'ghost', ['*'], 'read')).rejects.toThrow(/no user/);
    await expect(createTokenFor(store, 'ci', ['no way'], 'read')).rejects.toThrow(/invalid scope/);
    expect(await revokeTokenById(store, id)).toBe(true);
    expect(await revokeTokenById(store, id)).toBe(false);
  });

  it('says clearly when PostgreSQL is unreachable or the URL is wrong, without the password', async () => {
    const dataDir = tempDir();
    const err = await openStore({ dataDir, databaseUrl: 'postgres://registry:s3cret-pw@127.0.0.1:1/registry' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/cannot open the PostgreSQL database/);
    expect(err?.message).not.toMatch(/s3cret-pw/);
    await expect(openStore({ dataDir, databaseUrl: 'mysql://x@y/z' })).rejects.toThrow(/must start with postgres:\/\//);
  });

  it('cleans up', async () => {
    await store.close();
    await cleanup(opts);
    store = await openStore(opts);
  });
});
