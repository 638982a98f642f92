/**
 * Stored secrets as users meet them, real processes: `caravan secrets` on the local store and
 * against `caravan server`, runs that take them (masked everywhere), runs missing one, a wrong key.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../server/server-process.js';
import { caravanSync, client, ensureBuilt, root, startServer } from '../server/server-process.js';

const VALUE = 'st0red-Secr3t-value-7781';
const PIPELINE_VALUE = 'pipe1ine-0wn-value-4410';
let home: string;
let env: NodeJS.ProcessEnv;
let server: ServerProcess | undefined;

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-stored-secrets-'));
  env = {
    ...process.env,
    CARAVAN_HOME: home,
    CI: '1',
    CARAVAN_DATABASE_URL: '',
    CARAVAN_REGISTRY: '',
    CARAVAN_SECRET_KEY: '',
    CARAVAN_SERVER: '',
  };
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  rmSync(home, { recursive: true, force: true });
});

function caravan(args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), ...args], {
    cwd: root,
    env: { ...env, ...extra },
    input: input ?? '',
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pipelineFile(name: string): string {
  const file = join(home, `${name}.yml`);
  writeFileSync(
    file,
    `version: "1"\nname: ${name}\nsecrets: [DEPLOY_TOKEN]\nsteps:\n  - id: use\n    run: 'echo "the token is $DEPLOY_TOKEN"'\n`,
  );
  return file;
}

/** Every file under the dir, as text: no secret may be found in any of them. */
function allText(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, entry);
    if (statSync(p).isFile()) out += readFileSync(p).toString('latin1');
  }
  return out;
}

describe('caravan secrets on the local store, and caravan run', () => {
  it('a run missing a declared secret fails before anything starts, naming it and how to store it', () => {
    const r = caravan(['run', pipelineFile('lacking')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('secret DEPLOY_TOKEN declared by pipeline "lacking" is neither given nor stored');
    expect(r.stderr).toContain('caravan secrets set DEPLOY_TOKEN');
    expect(r.stdout).not.toMatch(/^run /m);
  });

  it('stores from stdin and from a file, lists names only, and a run gets the value masked', () => {
    expect(caravan(['secrets', 'set', 'DEPLOY_TOKEN'], `${VALUE}\n`).stdout).toContain(
      'stored DEPLOY_TOKEN (server level)',
    );
    const file = join(home, 'token.txt');
    writeFileSync(file, PIPELINE_VALUE);
    expect(caravan(['secrets', 'set', 'DEPLOY_TOKEN', '--pipeline', 'own', '--from-file', file]).code).toBe(0);
    rmSync(file);
    const list = caravan(['secrets', 'list']);
    expect(list.stdout).toMatch(/DEPLOY_TOKEN\s+server/);
    expect(list.stdout).toMatch(/DEPLOY_TOKEN\s+pipeline own/);

    const server = caravan(['run', pipelineFile('shared')]);
    expect(server.code, server.stderr).toBe(0);
    const own = caravan(['run', pipelineFile('own')]);
    expect(own.code, own.stderr).toBe(0);
    const given = caravan(['run', pipelineFile('given'), '--secret', 'DEPLOY_TOKEN=given-wins-1234']);
    expect(given.code, given.stderr).toBe(0);
    const runIds = [server, own, given].map((r) => /^run (\S+)/m.exec(r.stdout)![1]!);
    const logs = runIds.map((id) => caravan(['logs', id]).stdout);
    for (const text of logs) expect(text).toContain('the token is ***');
    const everything = [list, server, own, given].map((r) => r.stdout + r.stderr).join('') + logs.join('');
    expect(everything).not.toContain(VALUE);
    expect(everything).not.toContain(PIPELINE_VALUE);
    expect(everything).not.toContain('given-wins-1234');
    expect(allText(home)).not.toContain(VALUE);
    expect(allText(home)).not.toContain(PIPELINE_VALUE);
  });

  it('refuses bad input with what to do: an empty value, a bad name, a secret not stored', () => {
    const empty = caravan(['secrets', 'set', 'EMPTY'], '\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the secret value on stdin is empty');
    const bad = caravan(['secrets', 'set', '9lives'], 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('secret name "9lives" is invalid');
    const gone = caravan(['secrets', 'remove', 'NEVER_SET']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no stored secret NEVER_SET (server level)');
  });

  it('rotates the key: the secrets still resolve and the key file changed', () => {
    const before = readFileSync(join(home, 'secret.key'), 'utf8');
    const r = caravan(['secrets', 'rotate-key']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('resealed 2 secrets under the new key');
    expect(readFileSync(join(home, 'secret.key'), 'utf8')).not.toBe(before);
    expect(caravan(['run', pipelineFile('after-rotation')]).code).toBe(0);
  });
  it('caravan resume takes stored secrets too, and names one no longer stored', () => {
    const first = caravan(['run', pipelineFile('resumable')]);
    expect(first.code, first.stderr).toBe(0);
    const id = /^run (\S+)/m.exec(first.stdout)![1]!;
    expect(caravan(['resume', id]).code).toBe(0);
    expect(caravan(['secrets', 'remove', 'DEPLOY_TOKEN']).code).toBe(0);
    const again = caravan(['resume', id]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('secret DEPLOY_TOKEN declared by pipeline "resumable" is neither given nor stored');
    expect(caravan(['secrets', 'set', 'DEPLOY_TOKEN'], VALUE).code).toBe(0);
  });
});

describe('caravan secrets against caravan server', () => {
  it('admins set and remove, viewers list names only, runs take stored secrets masked', async () => {
    const admin = caravanSync(['server', 'token', 'create', 'boss', '--role', 'admin'], env).trim();
    const runnerToken = caravanSync(['server', 'token', 'create', 'ci', '--role', 'runner'], env).trim();
    server = await startServer(home, env);
    const remote = { CARAVAN_SERVER: server.url, CARAVAN_SERVER_TOKEN: admin };
    const set = caravan(['secrets', 'set', 'DEPLOY_TOKEN', '--pipeline', 'remote'], `${PIPELINE_VALUE}\n`, remote);
    expect(set.code, set.stderr).toBe(0);
    const denied = caravan(['secrets', 'set', 'X'], 'v', { ...remote, CARAVAN_SERVER_TOKEN: runnerToken });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('this needs the role admin');

    const api = client(() => server!.url, runnerToken);
    const listed = await api.call('GET', '/v1/secrets');
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('"pipeline":"remote"');
    // Stored secrets reach only a registered pipeline's run: an admin registers it, a runner starts it.
    const pipeline = readFileSync(pipelineFile('remote'), 'utf8');
    const registered = await client(() => server!.url, admin).call('PUT', '/v1/pipelines/remote', { pipeline });
    expect(registered.status, registered.text).toBe(201);
    const created = await api.call('POST', '/v1/pipelines/remote/runs', {});
    expect(created.status).toBe(201);
    const run = await api.waitEnd(created.body.id);
    expect(run.status).toBe('success');
    const logs = await api.call('GET', `/v1/runs/${created.body.id}/logs`);
    expect(logs.text).toContain('the token is ***');

    expect(caravan(['secrets', 'remove', 'DEPLOY_TOKEN', '--pipeline', 'remote'], undefined, remote).code).toBe(0);
    expect(caravan(['secrets', 'remove', 'DEPLOY_TOKEN'], undefined, remote).code).toBe(0);
    const lacking = await api.call('POST', '/v1/pipelines/remote/runs', {});
    expect(lacking.status).toBe(400);
    expect(lacking.body.error.code).toBe('missing-secrets');
    expect(lacking.body.error.message).toContain('secret DEPLOY_TOKEN declared by pipeline "remote"');
    const badName = await client(() => server!.url, admin).call('PUT', '/v1/secrets/bad-name', { value: 'v' });
    expect(badName.status).toBe(400);
    const noValue = await client(() => server!.url, admin).call('PUT', '/v1/secrets/OK', {});
    expect(noValue.status).toBe(400);
    expect(noValue.body.error.message).toContain('"value" is required');

    const answers = [listed, created, logs, await api.call('GET', `/v1/runs/${created.body.id}`)];
    for (const a of answers) expect(a.text).not.toContain(PIPELINE_VALUE);
    expect(server.output()).not.toContain(PIPELINE_VALUE);
    server.child.kill('SIGTERM');
    await server.exited;
    server = undefined;
  }, 120_000);

  it('a wrong key at start is a clear error naming the key source', async () => {
    await expect(startServer(home, { ...env, CARAVAN_SECRET_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(
      /the secret key from CARAVAN_SECRET_KEY does not open the stored secrets/,
    );
  }, 60_000);
});
