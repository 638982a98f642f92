/**
 * Action images that embed an agent, as an action author builds them (`COPY` of the portable
 * folder to `/caravan`), built with `podman build` from the local test images: one with the test
 * portable agent and its manifest (tagged by their content, so a changed agent makes a new image),
 * and one whose embedded agent claims an older protocol.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage, ensureNodeImage, podmanEnv } from './images.js';
import { portableAgentDir } from './portable-agent.js';

function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile()) hash.update(name).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 12);
}

function exists(image: string): boolean {
  try {
    execFileSync('podman', ['image', 'exists', image], { env: podmanEnv(), stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `podman build` of `FROM base` + `COPY agent/ /caravan/`, the agent folder filled by `fill`. */
function build(image: string, base: string, fill: (agentDir: string) => void): string {
  if (exists(image)) return image;
  const context = mkdtempSync(join(tmpdir(), 'caravan-embedded-image-'));
  try {
    fill(join(context, 'agent'));
    writeFileSync(join(context, 'Dockerfile'), `FROM ${base}\nCOPY agent/ /caravan/\n`);
    execFileSync('flock', ['/tmp/caravan-test-images.lock', 'podman', 'build', '-q', '-t', image, context], {
      env: podmanEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return image;
}

/** The Node test image with the test portable agent (and its manifest) embedded at /caravan. */
export function ensureEmbeddedAgentImage(): string {
  const agent = portableAgentDir();
  return build(`localhost/caravan-embedded-agent:${digest(agent)}`, ensureNodeImage(), (dir) =>
    cpSync(agent, dir, { recursive: true }),
  );
}

/** The busybox test image with an embedded "agent" whose manifest says `protocol`. */
export function ensureOldAgentImage(protocol = 0, version = '0.0.9'): string {
  return ensureFakeAgentImage(`p${protocol}`, {
    'caravan-agent': '#!/bin/sh\necho "an agent of another protocol ran" >&2\nexit 3\n',
    'agent.json': JSON.stringify({ name: 'caravan-agent', version, protocol }),
  });
}

/** The busybox test image with `files` at /caravan (an entry is executable). */
export function ensureFakeAgentImage(tag: string, files: Record<string, string>): string {
  return build(`localhost/caravan-embedded-${tag}:test`, ensureBusyboxImage(), (dir) => {
    mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o755 });
  });
}
