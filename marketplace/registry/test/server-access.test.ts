/**
 * Scopes, roles, tokens and the audit log over HTTP (SQLite; the store suite covers PostgreSQL's storage of the
 * same).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grant } from '../src/admin.js';
import { actionTarball, json, publish, startTestRegistry, storeFactories, type TestRegistry } from './helpers.js';

describe.each(storeFactories)('access control ($kind)', (factory) => {
  describe.skipIf(!factory.available)('', () => {
    let reg: TestRegistry;
    let t: Record<string, string>;
    beforeAll(async () => {
      reg = await startTestRegistry(factory);
      t = reg.tokens;
      for (const [user, name] of [
        ['alice', 'acme/lint'],
        ['bob', 'acme/payments/deploy'],
        ['eve', '~eve/tool'],
        ['root', 'caravan/checkout'],
      ] as const) {
        expect((await publish(reg.url, t[user], name, '1.0.0', await actionTarball(name, '1.0.0'))).status).toBe(201);
      }
    });
    afterAll(async () => {
      await reg?.stop();
    });

    const read = (token: string | undefined, name: string) =>
      json(reg.url, token, 'GET', `/v1/actions/${name}/-/versions`);

    it('keeps org scopes private: members read, others get 403, anonymous 401', async () => {
      expect((await read(t['carol'], 'acme/lint')).status).toBe(200);
      expect((await read(t['bob'], 'acme/payments/deploy')).status).toBe(200);
      expect((await read(t['alice'], 'acme/payments/deploy')).status).toBe(200);
      expect((await read(t['bob'], 'acme/lint')).status).toBe(403);
      expect((await read(t['eve'], 'acme/lint')).status).toBe(403);
      expect((await read(undefined, 'acme/lint')).status).toBe(401);
      expect((await json(reg.url, t['eve'], 'GET', '/v1/actions/acme/lint/-/resolve?range=1')).status).toBe(403);
      expect((await json(reg.url, t['eve'], 'GET', '/v1/actions/acme/lint/-/versions/1.0.0/tarball')).status).toBe(403);
    });

    it('keeps personal scopes to their user, and caravan/ readable by everyone', async () => {
      expect((await read(t['eve'], '~eve/tool')).status).toBe(200);
      expect((await read(t['alice'], '~eve/tool')).status).toBe(403);
      expect((await read(undefined, 'caravan/checkout')).status).toBe(200);
      expect((await read(t['eve'], 'caravan/checkout')).status).toBe(200);
    });

    it('makes a scope public with a reader grant to "*"', async () => {
      await grant(reg.store, '*', 'acme/payments', 'reader');
      expect((await read(undefined, 'acme/payments/deploy')).status).toBe(200);
      expect((await read(t['eve'], 'acme/payments/deploy')).status).toBe(200);
      expect((await read(undefined, 'acme/lint')).status).toBe(401);
      await grant(reg.store, '*', 'acme/payments', 'none');
      expect((await read(undefined, 'acme/payments/deploy')).status).toBe(401);
    });

    it('never falls through to another scope (no dependency confusion)', async () => {
      expect(
        (await publish(reg.url, t['eve'], '~eve/lint', '9.0.0', await actionTarball('~eve/lint', '9.0.0'))).status,
      ).toBe(201);
      const r = await json(reg.url, t['alice'], 'GET', '/v1/actions/acme/payments/lint/-/resolve?range=*');
      expect(r.status).toBe(404);
      expect((await json(reg.url, t['alice'], 'GET', '/v1/actions/acme/lint/-/resolve?range=^9')).status).toBe(404);
    });

    it('limits tokens to their scopes and access, and revokes them at once', async () => {
      const created = await json(reg.url, t['alice'], 'POST', '/v1/tokens', {
        scopes: ['acme/payments'],
        access: 'publish',
      });
      expect(created.status).toBe(201);
      const narrow = created.body as { id: string; token: string };
      expect(narrow.token).toMatch(/^cvn_/);
      expect((await read(narrow.token, 'acme/payments/deploy')).status).toBe(200);
      expect((await read(narrow.token, 'acme/lint')).status).toBe(403);
      expect(
        (await publish(reg.url, narrow.token, 'acme/lint', '2.0.0', await actionTarball('acme/lint', '2.0.0'))).status,
      ).toBe(403);
      expect(
        (
          await publish(
            reg.url,
            narrow.token,
            'acme/payments/new',
            '1.0.0',
            await actionTarball('acme/payments/new', '1.0.0'),
          )
        ).status,
      ).toBe(201);

      const ro = (await json(reg.url, t['alice'], 'POST', '/v1/tokens', { scopes: ['*'], access: 'read' })).body as {
        id: string;
        token: string;
      };
      expect((await read(ro.token, 'acme/lint')).status).toBe(200);
      const denied = await publish(reg.url, ro.token, 'acme/lint', '2.0.0', await actionTarball('acme/lint', '2.0.0'));
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('token-read-only');
      expect((await json(reg.url, ro.token, 'POST', '/v1/tokens', { scopes: ['*'], access: 'publish' })).status).toBe(
        403,
      );
      expect(
        (await json(reg.url, narrow.token, 'POST', '/v1/tokens', { scopes: ['acme'], access: 'read' })).status,
      ).toBe(403);

      expect((await json(reg.url, t['eve'], 'DELETE', `/v1/tokens/${narrow.id}`)).status).toBe(404);
      expect((await json(reg.url, t['alice'], 'DELETE', `/v1/tokens/${narrow.id}`)).status).toBe(204);
      const after = await read(narrow.token, 'acme/payments/deploy');
      expect(after.status).toBe(401);
      expect(JSON.stringify(after.body)).toMatch(/revoked/);
    });

    it('answers whoami', async () => {
      const me = await json(reg.url, t['bob'], 'GET', '/v1/whoami');
      expect(me.body).toMatchObject({
        user: 'bob',
        admin: false,
        scopes: ['*'],
        grants: [{ scope: 'acme/payments', role: 'publisher' }],
      });
      expect((await json(reg.url, undefined, 'GET', '/v1/whoami')).body).toMatchObject({ user: null, admin: false });
    });

    it('enforces lifecycle roles: publishers yank and deprecate, owners delete and tag', async () => {
      const v = '/v1/actions/acme/payments/deploy/-/versions/1.0.0';
      expect((await json(reg.url, t['carol'], 'POST', `${v}/yank`)).status).toBe(403);
      expect((await json(reg.url, t['bob'], 'POST', `${v}/yank`)).status).toBe(204);
      expect((await json(reg.url, t['bob'], 'POST', `${v}/unyank`)).status).toBe(204);
      expect((await json(reg.url, t['bob'], 'POST', `${v}/deprecate`, { message: 'use ledger' })).status).toBe(204);
      expect((await json(reg.url, t['bob'], 'DELETE', v)).status).toBe(403);
      expect(
        (
          await json(reg.url, t['bob'], 'PUT', '/v1/actions/acme/payments/deploy/-/dist-tags/stable', {
            version: '1.0.0',
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await json(reg.url, t['alice'], 'PUT', '/v1/actions/acme/payments/deploy/-/dist-tags/stable', {
            version: '1.0.0',
          })
        ).status,
      ).toBe(204);
      expect((await json(reg.url, t['alice'], 'DELETE', v)).status).toBe(204);
      expect((await read(t['alice'], 'acme/payments/deploy')).status).toBe(404);
    });

    it('audits every write with user, token and time, readable by org owners only', async () => {
      const log = await json(reg.url, t['alice'], 'GET', '/v1/audit?scope=acme');
      expect(log.status).toBe(200);
      const entries = (
        log.body as { entries: { at: string; user: string; tokenId: string; action: string; target: string }[] }
      ).entries;
      const actions = entries.map((e) => `${e.user}:${e.action}:${e.target}`);
      expect(actions).toContain('bob:publish:acme/payments/deploy@1.0.0');
      expect(actions).toContain('bob:yank:acme/payments/deploy@1.0.0');
      expect(actions).toContain('bob:deprecate:acme/payments/deploy@1.0.0');
      expect(actions).toContain('alice:delete:acme/payments/deploy@1.0.0');
      expect(actions).toContain('alice:dist-tag:acme/payments/deploy@1.0.0');
      expect(entries.every((e) => e.tokenId !== undefined && !Number.isNaN(Date.parse(e.at)))).toBe(true);
      expect(entries.find((e) => e.action === 'publish' && e.user === 'bob')?.tokenId).toMatch(/^tok_/);
      expect(JSON.stringify(entries)).not.toMatch(/cvn_/);
      expect((await json(reg.url, t['bob'], 'GET', '/v1/audit?scope=acme')).status).toBe(403);
      expect((await json(reg.url, t['carol'], 'GET', '/v1/audit?scope=acme')).status).toBe(403);
      expect((await json(reg.url, t['eve'], 'GET', '/v1/audit?scope=~eve')).status).toBe(200);
      expect((await json(reg.url, t['root'], 'GET', '/v1/audit?scope=acme')).status).toBe(200);
    });
  });
});
