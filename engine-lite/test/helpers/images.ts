/**
 * Builds the local images the container tests run in (no registry is reachable, so nothing is
 * pulled). Each image is built once and kept; concurrent test files serialise on a lock file.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUSYBOX_IMAGE = 'localhost/caravan-busybox:test';
export const NODE_IMAGE = 'localhost/caravan-node:test';

const servicesDir = process.env.CARAVAN_SERVICES_DIR ?? '/tmp/caravan-services';
const here = dirname(fileURLToPath(import.meta.url));

/** Environment for the podman CLI, matching the API service started by scripts/services.sh. */
export function podmanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: join(servicesDir, 'containers.conf') };
}

/**
 * A busybox-only image: `/bin/busybox` (Debian's busybox-static) with its applet links and
 * `/etc/passwd`, imported from a rootfs tar. No glibc: the agent must bring its own.
 */
export function ensureBusyboxImage(): string {
  build('build-busybox-image.sh', [BUSYBOX_IMAGE]);
  return BUSYBOX_IMAGE;
}

/**
 * The busybox image plus this machine's Node binary (`/usr/local/bin/node`) and the glibc
 * libraries it links: an image for `runs: node` actions (the built-ins) on container executors.
 */
export function ensureNodeImage(): string {
  build('build-node-image.sh', [NODE_IMAGE, process.execPath]);
  return NODE_IMAGE;
}

function build(script: string, args: string[]): void {
  execFileSync('flock', ['/tmp/caravan-test-images.lock', 'sh', join(here, script), ...args], {
    env: podmanEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
}
