/**
 * Bad input over HTTP: always a 4xx with a JSON error that says what and how to fix, never a 5xx, never a token or a
 * stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry } from '../src/serve.js';
import {
  actionTarball,
  cleanup,
  publish,
  startTestRegistry,
  storeFactories,
  tempDir,
  type TestRegistry,
} from './helpers.js';

const sqlite = storeFactories[0];
if (!sqlite) throw new Error('no SQLite factory');

describe('bad requests', () => {
  let reg: TestRegistry;
  let token: string;
  beforeAll(async () => {
    reg = await startTestRegistry(sqlite);
    token = reg.tokens['alice'] ?? '';
    expect(
      (await publish(reg.url, token, 'acme/lint', '1.0.0', await actionTarball('acme/lint', '1.0.0'))).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  async function send(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${reg.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: (text ? JSON.parse(text) : undefined) as
        { error?: { code: string; message: string; hint?: string } } | undefined,
    };
  }

  const deprecate = '/v1/actions/acme/lint/-/versions/1.0.0/deprecate';
  const jsonHeaders = { 'content-type': 'application/json' };

  it.each([
    ['malformed JSON', deprecate, '{"message": ', 400, 'malformed-json'],
    ['malformed JSON quoting a token', deprecate, `{"message": cvn_${'A'.repeat(40)}`, 400, 'malformed-json'],
    ['an empty JSON body', deprecate, '', 400, 'empty-body'],
    ['a number instead of a string', deprecate, '{"message": 12}', 400, 'invalid-request'],
    ['an array instead of an object', deprecate, '["x"]', 400, 'invalid-request'],
    ['null', deprecate, 'null', 400, 'invalid-request'],
    ['a missing field', deprecate, '{}', 400, 'invalid-request'],
    ['an unknown field', deprecate, '{"message": "x", "force": true}', 400, 'invalid-request'],
    ['a too long message', deprecate, JSON.stringify({ message: 'x'.repeat(3000) }), 400, 'invalid-request'],
    ['a huge JSON body', deprecate, JSON.stringify({ message: 'x'.repeat(1024 * 1024) }), 413, 'body-too-large'],
    ['a huge single line', deprecate, `{"message":"${'y'.repeat(200_000)}`, 413, 'body-too-large'],
    ['deeply nested JSON', deprecate, `${'['.repeat(5000)}${']'.repeat(5000)}`, 400, 'invalid-request'],
    [
      'a token request with a wrong access',
      '/v1/tokens',
      '{"scopes": ["acme"], "access": "admin"}',
      400,
      'invalid-request',
    ],
    [
      'a token request with scopes as a string',
      '/v1/tokens',
      '{"scopes": "acme", "access": "read"}',
      400,
      'invalid-request',
    ],
    [
      'a token request with a hostile scope',
      '/v1/tokens',
      '{"scopes": ["../../etc"], "access": "read"}',
      400,
      'invalid-scope',
    ],
  ])('%s → %i', async (_what, path, body, status, code) => {
    const r = await send('POST', path, body, jsonHeaders);
    expect(r.status).toBe(status);
    expect(r.json?.error?.code).toBe(code);
    expect(r.json?.error?.message).toBeTruthy();
    expect(r.text).not.toMatch(/cvn_A/);
    expect(r.text).not.toMatch(/node_modules|\.ts:\d+|at [A-Za-z]+ \(/);
  });

  it.each([
    ['an unknown route', 'GET', '/v1/nothing', 404, 'no-route'],
    ['a name with one segment', 'GET', '/v1/actions/acme/-/versions', 404, 'no-route'],
    ['a name with a bad segment', 'GET', '/v1/actions/acme/..%2Fetc/-/versions', 400, 'invalid-name'],
    ['a range that is nothing', 'GET', '/v1/actions/acme/lint/-/resolve?range=%3E%3E%3Cfoo', 400, 'invalid-range'],
    ['a repeated query parameter', 'GET', '/v1/actions/acme/lint/-/resolve?range=1&range=2', 400, 'invalid-query'],
    ['a bad limit', 'GET', '/v1/search?limit=-1', 400, 'invalid-query'],
    ['an audit without scope', 'GET', '/v1/audit', 400, 'invalid-query'],
    ['a version that is not semver', 'GET', '/v1/actions/acme/lint/-/versions/1.0', 400, 'invalid-version'],
    ['a version that does not exist', 'GET', '/v1/actions/acme/lint/-/versions/3.0.0', 404, 'not-found'],
    ['yanking a missing version', 'POST', '/v1/actions/acme/lint/-/versions/3.0.0/yank', 404, 'not-found'],
    ['a bad dist-tag', 'PUT', '/v1/actions/acme/lint/-/dist-tags/1.x', 400, 'invalid-request'],
  ])('%s → %i', async (_what, method, path, status, code) => {
    const r = await send(method, path, method === 'PUT' ? '{}' : undefined, method === 'PUT' ? jsonHeaders : {});
    expect(r.status).toBe(status);
    expect(r.json?.error?.code).toBe(code);
    expect(r.json?.error?.hint).toBeTruthy();
  });

  it('answers a bad Authorization header or an unknown token with 401, never echoing it', async () => {
    for (const header of ['Basic abc', `Bearer cvn_${'B'.repeat(43)}`, 'Bearer']) {
      const res = await fetch(`${reg.url}/v1/whoami`, { headers: { authorization: header } });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).not.toMatch(/cvn_B/);
      expect(JSON.parse(text).error.code).toMatch(/bad-/);
    }
  });

  it('survives a client that disconnects mid-upload and keeps serving', async () => {
    const body = await actionTarball('acme/cut', '1.0.0');
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(`${reg.url}/v1/actions/acme/cut/-/versions/1.0.0`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/gzip',
          'content-length': String(body.length * 10),
        },
      });
      req.on('error', () => resolve());
      req.write(body, () => {
        req.destroy();
        resolve();
      });
    });
    const list = await send('GET', '/v1/actions/acme/cut/-/versions', undefined);
    expect(list.status).toBe(404);
    expect((await send('GET', '/healthz', undefined)).status).toBe(200);
  });
});

describe('server faults', () => {
  it('answer 500 with a JSON error that names no internals, and log without tokens', async () => {
    const lines: string[] = [];
    const opts = { ...sqlite.options(tempDir()), port: 0, logError: (l: string) => lines.push(l) };
    const reg = await startRegistry(opts);
    try {
      await reg.store.close();
      const res = await fetch(`${reg.url}/v1/tokens/cvn_${'C'.repeat(43)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer cvn_${'C'.repeat(43)}` },
      });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('internal');
      expect(text).not.toMatch(/sqlite|database|\.ts|node_modules|cvn_C/i);
      expect(lines.join('\n')).toMatch(/internal error/);
      expect(lines.join('\n')).not.toMatch(/cvn_C/);
    } finally {
      await reg.app.close();
      await cleanup(opts);
    }
  });
});
