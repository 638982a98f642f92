/**
 * Read caches stay correct when writes come from elsewhere: a second registry on the same
 * PostgreSQL schema (NOTIFY), or another connection on the same SQLite file (data_version).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, grant, revokeTokenById } from '../src/admin.js';
import { openStore } from '../src/open.js';
import { startRegistry, type RunningRegistry } from '../src/serve.js';
import { actionTarball, cleanup, json, publish, storeFactories, tempDir } from './helpers.js';

/**
 * Another process's write reaches this one by NOTIFY, within milliseconds: poll briefly, bounded by count, not by
 * time.
 */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let last = await read();
  for (let i = 0; i < 200 && !ok(last); i++) {
    await new Promise((r) => setTimeout(r, 10));
    last = await read();
  }
  return last;
}

describe.each(storeFactories)('caches across registries sharing one database ($kind)', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    const opts = factory.options(tempDir());
    let a: RunningRegistry;
    let b: RunningRegistry;
    let token = '';
    let tokenId = '';

    beforeAll(async () => {
      const store = await openStore(opts);
      ({ token, id: tokenId } = await addUser(store, 'alice', false));
      await grant(store, 'alice', 'acme', 'owner');
      await store.close();
      a = await startRegistry({ ...opts, port: 0 });
      b = await startRegistry({ ...opts, port: 0 });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await cleanup(opts);
    });

    it('sees versions, yanks and revocations written through the other registry', async () => {
      expect(
        (await publish(a.url, token, 'acme/lint', '1.0.0', await actionTarball('acme/lint', '1.0.0'))).status,
      ).toBe(201);
      const resolveOnA = () => json(a.url, token, 'GET', '/v1/actions/acme/lint/-/resolve?range=^1');
      expect(((await resolveOnA()).body as { version: string }).version).toBe('1.0.0');

      expect(
        (await publish(b.url, token, 'acme/lint', '1.1.0', await actionTarball('acme/lint', '1.1.0'))).status,
      ).toBe(201);
      const after = await eventually(resolveOnA, (r) => (r.body as { version: string }).version === '1.1.0');
      expect((after.body as { version: string }).version).toBe('1.1.0');

      expect((await json(b.url, token, 'POST', '/v1/actions/acme/lint/-/versions/1.1.0/yank')).status).toBe(204);
      const yanked = await eventually(resolveOnA, (r) => (r.body as { version: string }).version === '1.0.0');
      expect((yanked.body as { version: string }).version).toBe('1.0.0');

      const other = await openStore(opts);
      await revokeTokenById(other, tokenId);
      await other.close();
      const revoked = await eventually(
        () => json(a.url, token, 'GET', '/v1/whoami'),
        (r) => r.status === 401,
      );
      expect(revoked.status).toBe(401);
    });
  });
});
