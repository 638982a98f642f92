/** The container CLI on this machine (podman, else docker) and the few calls made through it. */
import { execFileSync, spawnSync } from 'node:child_process';

/** No container CLI could be found or used. */
export class ContainerCliError extends Error {}

/** CARAVAN_CONTAINER_CLI, else podman, else docker: the first that answers `--version`. */
export function containerCli(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.CARAVAN_CONTAINER_CLI ? [env.CARAVAN_CONTAINER_CLI] : ['podman', 'docker'];
  for (const cli of candidates) {
    if (spawnSync(cli, ['--version'], { stdio: 'ignore', env }).status === 0) return cli;
  }
  throw new ContainerCliError(
    `no container CLI found (tried ${candidates.join(', ')}): install podman or docker, or set CARAVAN_CONTAINER_CLI`,
  );
}

/** A label of a local image; undefined when the image is not there. */
export function imageLabel(cli: string, image: string, label: string, env: NodeJS.ProcessEnv): string | undefined {
  const run = spawnSync(cli, ['image', 'inspect', '--format', `{{index .Config.Labels "${label}"}}`, image], {
    encoding: 'utf8',
    env,
  });
  return run.status === 0 ? run.stdout.trim().replace(/^<no value>$/, '') : undefined;
}

export function imageExists(cli: string, image: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync(cli, ['image', 'inspect', image], { stdio: 'ignore', env }).status === 0;
}

/** `cli build -t tag context`; returns the build's stderr when it fails. */
export function buildImage(
  cli: string,
  tag: string,
  context: string,
  env: NodeJS.ProcessEnv,
): { ok: true } | { ok: false; stderr: string } {
  try {
    execFileSync(cli, ['build', '--quiet', '-t', tag, context], { stdio: ['ignore', 'pipe', 'pipe'], env });
    return { ok: true };
  } catch (err) {
    const e = err as { stderr?: Buffer | string; message: string };
    return { ok: false, stderr: String(e.stderr ?? e.message) };
  }
}
