/**
 * What a user types: `caravan run --executor docker --image <node image>` on the README's example,
 * through Podman's Docker API, the agent copied into each container.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCli, caravanBin, root as repoRoot } from '../../../marketplace/registry/test/processes.js';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { ensureNodeImage } from '../helpers/images.js';
import { portableAgentDir } from '../helpers/portable-agent.js';

const home = mkdtempSync(join(tmpdir(), 'caravan-docker-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe.skipIf(!hasPodman)('caravan run --executor docker', () => {
  it('runs the README example in containers and passes outputs between them', async () => {
    buildCli();
    const env = {
      ...process.env,
      CARAVAN_HOME: home,
      DOCKER_HOST: dockerHost,
      CARAVAN_AGENT_DIR: portableAgentDir(),
      CI: '1',
    };
    const run = await execa(
      process.execPath,
      [
        caravanBin,
        'run',
        'examples/hello/pipeline.yml',
        '--executor',
        'docker',
        '--image',
        ensureNodeImage(),
        '--param',
        'who=Podman',
      ],
      { cwd: repoRoot, env, reject: false },
    );
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const id = /^run (\S+)/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    const show = await execa(process.execPath, [caravanBin, 'runs', 'show', id!, '--json'], {
      cwd: repoRoot,
      env,
      reject: false,
    });
    expect(show.stdout).toContain('Hello, Podman!');
  }, 240_000);

  it('says which image is missing and how to get it', async () => {
    const env = {
      ...process.env,
      CARAVAN_HOME: home,
      DOCKER_HOST: dockerHost,
      CARAVAN_AGENT_DIR: portableAgentDir(),
      CI: '1',
    };
    const run = await execa(
      process.execPath,
      [
        caravanBin,
        'run',
        'examples/hello/pipeline.yml',
        '--executor',
        'docker',
        '--image',
        'localhost/no-such-image:1',
      ],
      { cwd: repoRoot, env, reject: false },
    );
    expect(run.exitCode).toBe(1);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(/no-such-image:1 not found locally/);
  }, 240_000);
});
