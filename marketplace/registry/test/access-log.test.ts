import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, grant } from '../src/admin.js';
import { openStore } from '../src/open.js';
import { startRegistry, type RunningRegistry } from '../src/serve.js';
import { actionTarball, auth, cleanup, publish, tempDir } from './helpers.js';

const lines: string[] = [];
const opts = { dataDir: tempDir() };
let reg: RunningRegistry;
let token = '';

beforeAll(async () => {
  const store = await openStore(opts);
  token = (await addUser(store, 'alice', false)).token;
  await grant(store, 'alice', 'acme', 'owner');
  await store.close();
  reg = await startRegistry({ ...opts, port: 0, logError: () => undefined, accessLog: (line) => lines.push(line) });
});
afterAll(async () => {
  await reg.close();
  await cleanup(opts);
});

describe('access log', () => {
  it('writes one line per request with user, status and time, and never a token', async () => {
    expect(
      (await publish(reg.url, token, 'acme/tool', '1.0.0', await actionTarball('acme/tool', '1.0.0'))).status,
    ).toBe(201);
    expect((await fetch(`${reg.url}/v1/actions/acme/tool/-/versions`, { headers: auth(token) })).status).toBe(200);
    expect(
      (await fetch(`${reg.url}/v1/actions/acme/tool/-/versions`, { headers: auth('cvn_not-a-real-token') })).status,
    ).toBe(401);
    expect((await fetch(`${reg.url}/v1/actions/acme/nope/-/versions`, { headers: auth(token) })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(4);
    const line = /^\d{4}-\d\d-\d\dT[\d:.]+Z (\S+) (\S+) (\S+) (\S+) (\d{3}) [\d.]+ms (\S+)$/;
    expect(lines.map((l) => line.exec(l)?.slice(2, 6))).toEqual([
      ['alice', 'PUT', '/v1/actions/acme/tool/-/versions/1.0.0', '201'],
      ['alice', 'GET', '/v1/actions/acme/tool/-/versions', '200'],
      ['-', 'GET', '/v1/actions/acme/tool/-/versions', '401'],
      ['alice', 'GET', '/v1/actions/acme/nope/-/versions', '404'],
    ]);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain('cvn_not-a-real-token');
  });
});
