/**
 * Image actions out of the box: `caravan action init --runtime image` scaffolds a Dockerfile that
 * builds as it is (public bases provided locally under their public names, the agent image built from
 * this checkout), `caravan action test` builds it and runs the tests in it under the embedded agent,
 * and the image runs on its own under a plain `podman run`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_VERSION } from '@caravan/agent';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ensureAgentImage,
  ensurePublicBaseImages,
  podmanEnv,
  PUBLIC_BUSYBOX,
  PUBLIC_NODE,
} from '../../test/helpers/images.js';
import { hasPodman } from '../../test/services.js';
import { caravan, ensureBuilt } from './author-helpers.js';

vi.setConfig({ testTimeout: 240_000 });

const env = { CONTAINERS_CONF: podmanEnv().CONTAINERS_CONF ?? '', CARAVAN_CONTAINER_CLI: 'podman' };
let work: string;
let portableDir: string;

function podman(args: string[]) {
  return spawnSync('podman', args, { env: podmanEnv(), encoding: 'utf8', timeout: 120_000 });
}

async function scaffold(name: string, extra: string[] = []): Promise<string> {
  const dir = `img-${name}`;
  const init = await caravan(
    ['action', 'init', `acme/${name}`, '--runtime', 'image', '--dir', dir, '--yes', ...extra],
    {
      cwd: work,
      env,
    },
  );
  expect(init.exitCode, init.stderr).toBe(0);
  return join(work, dir);
}

describe.skipIf(!hasPodman)('image actions', () => {
  beforeAll(() => {
    ensureBuilt();
    portableDir = ensureAgentImage().portableDir;
    ensurePublicBaseImages();
    work = mkdtempSync(join(tmpdir(), 'caravan-image-action-'));
  });

  it('scaffolds a sh action on busybox whose image builds as it is and passes its tests under the embedded agent', async () => {
    const dir = await scaffold('hello-sh');
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile.split('\n')[0]).toBe(`FROM ${PUBLIC_BUSYBOX}`);
    expect(dockerfile).toContain(`COPY --from=caravan/agent:${AGENT_VERSION} /caravan /caravan`);
    expect(dockerfile).toContain('ENTRYPOINT ["/caravan/caravan-agent", "run", "--"]');
    const test = await caravan(['action', 'test', dir], { cwd: work, env });
    expect(test.exitCode, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 3/);

    // the same image under a plain podman run: the agent runs the action with no engine
    const hello = podman(['run', '--rm', '-e', 'INPUT_WHO=Ada', 'acme-hello-sh:1.0.0']);
    expect(hello.stdout).toContain('Hello, Ada!');
    expect(hello.status, hello.stderr).toBe(0);
    const bad = podman(['run', '--rm', '-e', 'INPUT_SHOUT=loudly', 'acme-hello-sh:1.0.0']);
    expect(bad.stdout).toContain('input "shout" must be true or false, got "loudly"');
    expect(bad.status).toBe(1);
  });

  it('caravan action run runs an image action in its image, under its agent or a lent one', async () => {
    const dir = join(work, 'img-hello-sh'); // built by the first test
    const run = await caravan(['action', 'run', '--with', 'who=Ada'], {
      cwd: dir,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Hello, Ada!\n[\s\S]*greeting = Hello, Ada!/);
    expect(run.stderr).not.toMatch(/on this machine instead/);

    // an image with no agent of its own (a public base, no Dockerfile): this caravan lends its portable agent
    const bare = join(work, 'bare');
    mkdirSync(bare);
    writeFileSync(
      join(bare, 'action.yml'),
      `name: acme/bare\nversion: 1.0.0\ndescription: Prints where it runs.\nruns:\n  image: ${PUBLIC_BUSYBOX}\n  command: sh\n  args: ['-c', 'echo "in $(pwd) as $(id -u)"; echo "where=$CARAVAN_ACTION_DIR" >> "$CARAVAN_OUTPUT"']\n`,
    );
    const lent = await caravan(['action', 'run'], { cwd: bare, env: { ...env, CARAVAN_AGENT_DIR: portableDir } });
    expect(lent.exitCode, lent.stderr).toBe(0);
    expect(lent.stdout).toContain('in /workspace as 0');
    expect(lent.stdout).toMatch(/where = \/caravan\/action/);
  });

  it('caravan action run says how to build an image action whose image is not built', async () => {
    const dir = await scaffold('unbuilt');
    const run = await caravan(['action', 'run'], { cwd: dir, env });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/the image acme-unbuilt:1\.0\.0 is not here: build it with caravan action test/);
  });

  it('scaffolds a JavaScript action on node:20-bookworm-slim that passes its tests', async () => {
    const dir = await scaffold('hello-js', ['--language', 'node']);
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8').split('\n')[0]).toBe(`FROM ${PUBLIC_NODE}`);
    expect(readFileSync(join(dir, 'action.yml'), 'utf8')).toMatch(/command: node\n\s+args:\n\s+- \/action\/index\.mjs/);
    const test = await caravan(['action', 'test', dir], { cwd: work, env });
    expect(test.exitCode, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 3/);
  });

  it('names the Dockerfile line of a base image it cannot find, and says how to fix it', async () => {
    const dir = await scaffold('no-base');
    const file = join(dir, 'Dockerfile');
    writeFileSync(file, readFileSync(file, 'utf8').replace(PUBLIC_BUSYBOX, 'docker.io/library/caravan-no-such-base:1'));
    const test = await caravan(['action', 'test', dir], { cwd: work, env });
    expect(test.exitCode).toBe(1);
    expect(test.stderr).toMatch(
      /img-no-base\/Dockerfile:1: FROM docker\.io\/library\/caravan-no-such-base:1: the image docker\.io\/library\/caravan-no-such-base:1 is not here and could not be pulled \(.+\): pull it \(podman pull docker\.io\/library\/caravan-no-such-base:1\)/,
    );
    expect(test.stdout).not.toMatch(/# pass/);
  });

  it('names the line of an agent image this caravan cannot build', async () => {
    const dir = await scaffold('old-agent');
    const file = join(dir, 'Dockerfile');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replaceAll(`caravan/agent:${AGENT_VERSION}`, 'caravan/agent:0.0.0-gone'),
    );
    const old = await caravan(['action', 'test', dir], { cwd: work, env });
    expect(old.exitCode).toBe(1);
    expect(old.stderr).toMatch(
      /Dockerfile:5: COPY --from=caravan\/agent:0\.0\.0-gone \/caravan \/caravan: the agent image caravan\/agent:0\.0\.0-gone is not here and this caravan cannot build it \((its agent is another version|it has no portable agent)\): build it where its caravan is/,
    );
  });
});
