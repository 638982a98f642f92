/**
 * How the agent and the task context reach a container. `bind` mounts the host's portable agent
 * folder read-only and the task context from a private host file: nothing is copied and the
 * container's filesystem is never mounted before it starts. `copy` uploads one tar per container
 * (`PUT /containers/{id}/archive`), which works with a daemon that does not see the engine's
 * files. `auto` asks the daemon once, with a container that is never started, whether it sees
 * the host folders; the workspace is bind-mounted either way.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerApiError, type ContainerCreateBody, type DockerApi } from './docker-api.js';
import { AGENT_ENTRY } from './docker-agent-dir.js';
import { CONTAINER_AGENT_DIR } from './docker-context.js';

export type AgentDelivery = 'auto' | 'bind' | 'copy';

/** Where a probe container sees the state folder. */
const PROBE_STATE_DIR = '/caravan/state';

/** The state folder, made private (0700); refused when it is not a folder of this user. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new Error(
      `the docker executor's state folder ${dir} must be a folder owned by this user (it holds task secrets): ` +
        'remove it or set the stateDir option',
    );
  }
  if ((info.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** Writes a task context file for a bind mount: whole or not at all, readable by its owner only. */
export function writeContextFile(path: string, json: string, owner?: { uid: number; gid: number }): void {
  const staged = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(staged, json, { mode: 0o600 });
  try {
    if (owner) chownSync(staged, owner.uid, owner.gid);
    renameSync(staged, path);
  } catch (error) {
    rmSync(staged, { force: true });
    throw error;
  }
}

/**
 * Runs `ask` on a probe container of `image` (created, never started, no network) that binds the
 * host's agent folder (when given) and state folder, beside a marker file written for it; the
 * container and the marker are removed afterwards. `create` makes the container (so a missing
 * image surfaces as the caller words it).
 */
export async function withProbeContainer<T>(
  api: DockerApi,
  image: string,
  agentDir: string | undefined,
  stateDir: string,
  create: (name: string, body: ContainerCreateBody) => Promise<string>,
  label: string,
  ask: (id: string, sees: () => Promise<{ agent: boolean; state: boolean }>) => Promise<T>,
): Promise<T> {
  const marker = probeMarker(stateDir);
  let id: string | undefined;
  try {
    id = await create(`caravan-probe-${marker.name.slice('probe-'.length)}`, {
      Image: image,
      Entrypoint: [],
      Cmd: ['true'],
      Labels: { 'caravan.probe': label },
      HostConfig: { NetworkMode: 'none', Binds: probeBinds(agentDir, stateDir) },
    });
    const probe = id;
    return await ask(probe, () => foldersSeenIn(api, probe, marker.name, agentDir !== undefined));
  } finally {
    marker.remove();
    if (id) await api.removeContainer(id).catch(() => undefined);
  }
}

/** Whether the daemon sees the host's agent folder (when given) and state folder. */
export async function daemonSeesHostFolders(
  api: DockerApi,
  /** Undefined when the image brings its own agent: only the state folder is asked about. */
  agentDir: string | undefined,
  stateDir: string,
  create: (name: string, body: ContainerCreateBody) => Promise<string>,
  image: string,
): Promise<boolean> {
  return withProbeContainer(api, image, agentDir, stateDir, create, 'delivery', async (_id, seen) => {
    const sees = await seen();
    return sees.state && (!agentDir || sees.agent);
  });
}

/** A file written in the state folder for a probe container to show; removed after the probe. */
export function probeMarker(stateDir: string): { name: string; remove(): void } {
  const name = `probe-${randomUUID().slice(0, 12)}`;
  writeFileSync(join(stateDir, name), '', { mode: 0o600 });
  return { name, remove: () => rmSync(join(stateDir, name), { force: true }) };
}

/** A probe container's binds: the host's agent folder (when asked about) and the state folder. */
export function probeBinds(agentDir: string | undefined, stateDir: string): string[] {
  return [...(agentDir ? [`${agentDir}:${CONTAINER_AGENT_DIR}:ro`] : []), `${stateDir}:${PROBE_STATE_DIR}:ro`];
}

/**
 * Whether probe container `id` (with `probeBinds`) shows the state folder's marker and, when
 * `askAgent`, the host agent's entry.
 */
export async function foldersSeenIn(
  api: DockerApi,
  id: string,
  marker: string,
  askAgent: boolean,
): Promise<{ agent: boolean; state: boolean }> {
  const agent = askAgent && (await seen(api, id, `${CONTAINER_AGENT_DIR}/${AGENT_ENTRY}`));
  return { agent, state: await seen(api, id, `${PROBE_STATE_DIR}/${marker}`) };
}

async function seen(api: DockerApi, id: string, path: string): Promise<boolean> {
  try {
    return await api.pathExists(id, path);
  } catch (error) {
    // Unreachable daemon: say so. Any other refusal (a bind source it cannot stat): not seen.
    if (error instanceof DockerApiError && error.statusCode === 0) throw error;
    return false;
  }
}

/** How the agent reaches containers: the option, or for `auto` the daemon's answer, asked once per image. */
export class DeliveryChoice {
  answer?: 'bind' | 'copy';
  private readonly probes = new Map<string, Promise<'bind' | 'copy'>>();

  constructor(private readonly option: AgentDelivery) {}

  /** Whether choosing for `image` would ask the daemon now (no answer yet, none being asked for it). */
  wouldAsk(image: string): boolean {
    return this.option === 'auto' && !this.answer && !this.probes.has(image);
  }

  /** `seesHostFolders` asks the daemon with a container of `image` that never starts. */
  choose(image: string, seesHostFolders: () => Promise<boolean>): Promise<'bind' | 'copy'> {
    if (this.option !== 'auto') return Promise.resolve(this.option);
    if (this.answer) return Promise.resolve(this.answer);
    // One probe at a time per image: a missing image fails its own callers, not those of another.
    let probe = this.probes.get(image);
    if (!probe) {
      probe = seesHostFolders()
        .then((seen) => (this.answer ??= seen ? 'bind' : 'copy'))
        .finally(() => this.probes.delete(image));
      this.probes.set(image, probe);
    }
    return probe;
  }
}
