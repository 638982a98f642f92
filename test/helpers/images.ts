/**
 * Images for tests that build action images as an author would: the agent image
 * (`caravan/agent:<version>`, built from the current agent) and stand-ins for the public base images
 * the `caravan action init --runtime image` templates start from, imported under their public names
 * because no registry is reachable: `docker.io/library/busybox:latest` (a busybox root filesystem) and
 * `docker.io/library/node:20-bookworm-slim` (busybox plus this machine's node and the glibc libraries it
 * links). Each is built once and kept; concurrent test files serialise on a lock file.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const servicesDir = process.env.CARAVAN_SERVICES_DIR ?? '/tmp/caravan-services';
const engineHelpers = join(root, 'engine-lite/test/helpers');
const LOCK = '/tmp/caravan-test-images.lock';

export const PUBLIC_BUSYBOX = 'docker.io/library/busybox:latest';
export const PUBLIC_NODE = 'docker.io/library/node:20-bookworm-slim';

/** Environment for the podman CLI, matching the API service started by scripts/services.sh. */
export function podmanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: join(servicesDir, 'containers.conf'), CARAVAN_CONTAINER_CLI: 'podman' };
}

function locked(args: string[]): string {
  return execFileSync('flock', [LOCK, ...args], {
    env: podmanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
}

/** The public base images of the scaffold templates, present locally under their public names. */
export function ensurePublicBaseImages(): { busybox: string; node: string } {
  locked(['sh', join(engineHelpers, 'build-busybox-image.sh'), PUBLIC_BUSYBOX]);
  locked(['sh', join(engineHelpers, 'build-node-image.sh'), PUBLIC_NODE, process.execPath]);
  return { busybox: PUBLIC_BUSYBOX, node: PUBLIC_NODE };
}

/**
 * `caravan/agent:<version>` holding the current agent (see ensure-agent-image.ts): its name, and the
 * portable folder it was built from (for CARAVAN_AGENT_DIR).
 */
export function ensureAgentImage(): { image: string; portableDir: string } {
  const out = locked([process.execPath, '--import', 'tsx', join(import.meta.dirname, 'ensure-agent-image.ts')]);
  return JSON.parse(out) as { image: string; portableDir: string };
}
