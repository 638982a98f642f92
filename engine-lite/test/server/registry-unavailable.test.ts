/** POST /v1/runs when the server cannot use its registry: 503, not a 400 that blames the pipeline. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClientError, RegistryUnreachableError } from '@caravan/registry';
import type { LoadedAction } from '../../src/actions/resolver.js';
import { createToken, serve, ServerStore, type RunningServer } from '../../src/index.js';
import { StubResolver } from '../helpers/scripted.js';
import { serverForFile } from './server-fixture.js';
import { root } from './server-process.js';

/** A registry that is down for `down/*`, refuses the server's token for `locked/*`, and has the rest. */
class FlakyRegistry extends StubResolver {
  override async resolve(name: string, range: string): Promise<LoadedAction> {
    if (name.startsWith('down/')) throw new RegistryUnreachableError('http://registry.test', 'ECONNREFUSED');
    if (name.startsWith('locked/')) throw new RegistryClientError(401, 'unauthenticated', 'the token is unknown');
    return super.resolve(name, range);
  }
}

const data = mkdtempSync(join(tmpdir(), 'registry-unavailable-'));
let s: RunningServer;
let token: string;

beforeAll(async () => {
  const tokens = new ServerStore(join(data, 'server.db'));
  token = createToken(tokens, 'ci', 'runner');
  tokens.close();
  s = await serve({
    data,
    port: 0,
    env: { ...process.env, CARAVAN_DATABASE_URL: '', CARAVAN_SECRET_KEY: '' },
    engine: { resolver: new FlakyRegistry({}) },
  });
  s.service.pauseQueue();
});
afterAll(async () => {
  await s?.stop();
  rmSync(data, { recursive: true, force: true });
});

async function submit(...uses: string[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const steps = uses.map((u, i) => `  - id: s${i}\n    uses: ${u}\n`).join('');
  const res = await fetch(`${s.url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline: `version: "1"\nname: p\nsteps:\n${steps}` }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /v1/runs with a registry the server cannot use', () => {
  it('answers 503 registry-unavailable, naming each step, when the registry is down or refuses the token', async () => {
    const r = await submit('down/lint@^1', 'locked/test@^1');
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({
      code: 'registry-unavailable',
      message: 'the run cannot start: the server cannot use its registry',
    });
    const text = JSON.stringify(r.body);
    expect(text).toMatch(/down\/lint/);
    expect(text).toMatch(/cannot reach the registry/);
    expect(text).toMatch(/CARAVAN_REGISTRY/);
  });

  it('answers 400 invalid-run when any problem is the pipeline’s own, even with the registry down', async () => {
    const r = await submit('down/lint@^1', 'missing/thing@^1');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid-run' });
  });

  it('queues the run when the registry has every action', async () => {
    expect((await submit('acme/lint@^1')).status).toBe(201);
  });
});

describe('caravan run --server when the server cannot reach its registry', () => {
  // port 9 (discard) is closed on these machines: the server's registry refuses connections
  const fx = serverForFile('caravan-registry-down', { ci: 'runner' }, { CARAVAN_REGISTRY: 'http://127.0.0.1:9' });

  it('exits 3 (a service could not be used), saying the registry cannot be reached', () => {
    const file = join(fx.data, 'lint.yml');
    writeFileSync(file, 'version: "1"\nname: lint\nsteps:\n  - id: lint\n    uses: acme/lint@^1\n');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), 'run', file], {
      cwd: root,
      env: { ...fx.env, CARAVAN_SERVER: fx.server.url, CARAVAN_SERVER_TOKEN: fx.tokens.ci! },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: the run cannot start: the server cannot use its registry/m);
    expect(r.stderr).toMatch(/cannot reach the registry at http:\/\/127\.0\.0\.1:9/);
  });
});
