/**
 * The agent image (`npm run build:image`): FROM scratch, the portable agent at /caravan and its
 * manifest, nothing else; an action image that embeds it runs under a plain `podman run`, even with
 * no shell in the image.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentManifest } from '@caravan/agent';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgentImage } from '../cli/src/lib/images/agent-image.js';
import { ensureAgentImage, ensurePublicBaseImages, podmanEnv } from './helpers/images.js';
import { hasPodman } from './services.js';

function podman(args: string[], input?: string) {
  return spawnSync('podman', args, { env: podmanEnv(), encoding: 'utf8', input, timeout: 120_000 });
}

/** Builds `dockerfile` (in a throwaway context) as `tag`. */
function buildImage(tag: string, dockerfile: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'agent-image-test-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  const build = podman(['build', '--quiet', '-t', tag, dir]);
  expect(build.status, build.stderr).toBe(0);
}

describe('build:image, bad input', () => {
  it('names the missing portable folder and the command that builds it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-agent-'));
    expect(() => buildAgentImage({ portableDir: empty })).toThrow(
      /caravan-agent is missing: build the portable agent first \(node scripts\/build\.mjs --sea\)/,
    );
  });

  it('refuses a folder whose entry is the sh script (a scratch image has no /bin/sh)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sh-agent-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'caravan-agent'), '#!/bin/sh\n');
    for (const f of ['bin/caravan-agent', 'lib/ld-linux-x86-64.so.2', 'agent.json']) writeFileSync(join(dir, f), '');
    expect(() => buildAgentImage({ portableDir: dir })).toThrow(/is the sh entry .* install gcc and libc6-dev/);
  });
});

describe.skipIf(!hasPodman)('the agent image', () => {
  let image = '';
  beforeAll(() => {
    image = ensureAgentImage().image;
  });

  it('is caravan/agent:<version>, labelled with the version and protocol', () => {
    const { version, protocol } = agentManifest();
    expect(image).toBe(`caravan/agent:${version}`);
    const labels = JSON.parse(
      execFileSync('podman', ['image', 'inspect', '--format', '{{json .Config.Labels}}', image], {
        env: podmanEnv(),
        encoding: 'utf8',
      }),
    ) as Record<string, string>;
    expect(labels['io.caravan.agent.version']).toBe(version);
    expect(labels['io.caravan.agent.protocol']).toBe(String(protocol));
  });

  it('holds /caravan (entry, executable, loader and libraries, agent.json) and nothing else', () => {
    const create = podman(['create', image]);
    expect(create.status, create.stderr).toBe(0);
    const id = create.stdout.trim();
    try {
      const listing = execFileSync('sh', ['-c', `podman export ${id} | tar -t`], {
        env: podmanEnv(),
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      const entries = listing
        .split('\n')
        .map((e) => e.replace(/^\.?\/?/, '').replace(/\/$/, ''))
        .filter(Boolean);
      const outside = entries.filter((e) => e !== 'caravan' && !e.startsWith('caravan/'));
      // podman adds the empty mount points every container gets
      expect(
        outside.filter(
          (e) =>
            ![
              'dev',
              'proc',
              'sys',
              'etc',
              'run',
              'etc/hosts',
              'etc/resolv.conf',
              'run/.containerenv',
              'etc/hostname',
            ].includes(e),
        ),
      ).toEqual([]);
      expect(entries).toEqual(
        expect.arrayContaining([
          'caravan/caravan-agent',
          'caravan/agent.json',
          'caravan/bin/caravan-agent',
          'caravan/lib/ld-linux-x86-64.so.2',
          'caravan/lib/libc.so.6',
        ]),
      );
      const manifest = execFileSync('sh', ['-c', `podman export ${id} | tar -xO caravan/agent.json`], {
        env: podmanEnv(),
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      expect(JSON.parse(manifest)).toEqual(agentManifest());
    } finally {
      podman(['rm', '-f', id]);
    }
  });

  it("copies itself into a volume as the k8s executor's init container asks (no cp in the image)", () => {
    const volume = `caravan-test-agent-${process.pid}`;
    try {
      // the init container of engine-lite/src/executors/k8s-job.ts: the image's entry with --copy-to
      const init = podman([
        'run',
        '--rm',
        '-v',
        `${volume}:/mnt/caravan-agent`,
        image,
        '--copy-to',
        '/mnt/caravan-agent',
      ]);
      expect(init.status, init.stderr).toBe(0);
      const { busybox } = ensurePublicBaseImages();
      const run = podman([
        'run',
        '--rm',
        '-v',
        `${volume}:/caravan/agent:ro`,
        busybox,
        '/caravan/agent/caravan-agent',
        'run',
        '--',
        'cat',
        '/caravan/agent/agent.json',
      ]);
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(agentManifest());
    } finally {
      podman(['volume', 'rm', '-f', volume]);
    }
  });

  it('runs in an action image that has no shell at all', () => {
    buildImage(
      'localhost/caravan-test-noshell:1',
      `FROM scratch\nCOPY --from=${image} /caravan /caravan\nENTRYPOINT ["/caravan/caravan-agent", "run", "--"]\nCMD ["/caravan/caravan-agent", "--version"]\n`,
    );
    // the agent needs a writable temporary folder ($TMPDIR or /tmp), which FROM scratch lacks
    const run = podman(['run', '--rm', '--tmpfs', '/tmp', 'localhost/caravan-test-noshell:1']);
    // no engine, no context: the agent prints its report at the end
    expect(run.stderr).toMatch(/^\[caravan-agent\] report: \{.*"status":"success".*\}\n$/);
    expect(run.stdout).toBe(`caravan-agent ${agentManifest().version} node-${process.version}\n`);
    expect(run.status).toBe(0);
  });

  it('runs an action under a plain podman run: masked secrets, workflow commands, its exit code', () => {
    const { busybox } = ensurePublicBaseImages();
    buildImage(
      'localhost/caravan-test-embedded:1',
      `FROM ${busybox}\nCOPY --from=${image} /caravan /caravan\nENTRYPOINT ["/caravan/caravan-agent", "run", "--"]\n`,
    );
    const run = podman([
      'run',
      '--rm',
      '-e',
      'CARAVAN_CONTEXT={"secrets":{"TOKEN":"hunter2-s3cret"}}',
      'localhost/caravan-test-embedded:1',
      'sh',
      '-c',
      'echo "token is hunter2-s3cret"; echo "::error::it broke"; exit 3',
    ]);
    expect(run.stdout).toContain('token is ***');
    expect(run.stdout).not.toContain('hunter2-s3cret');
    expect(run.stdout).toContain('##[error]it broke');
    expect(run.stderr).toContain('the action exited with code 3');
    expect(run.status).toBe(3);
  });
});
