/** Nested pipelines on `caravan server`: `caravan run --server` sends the nested files; bad files are refused. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverForFile } from '../server/server-fixture.js';
import { client, root } from '../server/server-process.js';

const f = serverForFile('caravan-nested-server', { ci: 'runner' });
const token = () => f.tokens['ci']!;

const nightly = join(root, 'examples', 'nightly', 'pipeline.yml');

describe('nested pipelines on caravan server', () => {
  it('caravan run --server runs examples/nightly with its nested deploy pipeline', async () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), 'run', nightly], {
      cwd: root,
      env: { ...f.env, CARAVAN_SERVER: f.server.url, CARAVAN_SERVER_TOKEN: token() },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const id = /^run (\S+)/m.exec(r.stdout)![1]!;
    const api = client(() => f.server.url, token());
    const parent = await api.call('GET', `/v1/runs/${id}`);
    expect(parent.body.steps.find((s) => s.id === 'deploy')).toMatchObject({ childRun: `${id}.deploy.1` });
    const page = await api.call('GET', `/v1/runs?limit=1&cursor=${id}.deploy.1`);
    expect(page.status).toBe(200);
    const child = await api.call('GET', `/v1/runs/${id}.deploy.1`);
    expect(child.status).toBe(200);
    expect(child.body.status).toBe('success');
    const logs = await api.call('GET', `/v1/runs/${id}/logs?step=announce`);
    expect(logs.text).toContain('is at https://staging.example.test');
  }, 120_000);

  it('refuses a run whose nested files are missing or invalid, before anything starts; ../ paths stay under the data dir', async () => {
    const api = client(() => f.server.url, token());
    const pipeline = readFileSync(nightly, 'utf8');
    const missing = await api.call('POST', '/v1/runs', { pipeline, file: 'nightly.yml' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('its nested pipelines are not valid');
    expect(missing.body.error.problems?.join('\n')).toMatch(
      /nightly\.yml:\d+:\d+: error: step "deploy": \.\/deploy\/pipeline\.yml: /,
    );
    const escaping = await api.call('POST', '/v1/runs', {
      pipeline,
      files: { '../../../etc/evil.yml': 'version: "1"\nsteps: []\n', 'deploy/pipeline.yml': 'x: 1\n' },
    });
    expect(escaping.status).toBe(400);
    expect(escaping.body.error.problems?.join('\n')).toMatch(/^deploy\/pipeline\.yml:1:1: error/m);
    expect(existsSync('/etc/evil.yml')).toBe(false);
    const absolute = await api.call('POST', '/v1/runs', { pipeline, files: { '/etc/x.yml': 'a' } });
    expect(absolute.status).toBe(400);
    expect(absolute.body.error.message).toContain('must be a relative path to a .yml file');
  });
});
