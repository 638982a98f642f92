/**
 * The tar copied into a container before it starts: `caravan/agent/...` (the portable agent
 * folder) and `caravan/context.json` (the task context, readable only by its owner).
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ContainerInspect, DockerApi } from './docker-api.js';
import { CONTAINER_AGENT_DIR, CONTAINER_CONTEXT_FILE } from './docker-context.js';
import { AGENT_LABEL } from './docker-embedded-agent.js';
import { findTaskContainer } from './docker-lookup.js';
import { containerName, TASK_LABEL } from './docker-options.js';

export interface ArchiveOwner {
  uid: number;
  gid: number;
}

/** `agentDir` undefined: the agent is bind-mounted, only the context is copied. */
export function agentArchive(
  agentDir: string | undefined,
  contextJson: string,
  owner: ArchiveOwner = { uid: 0, gid: 0 },
): Readable {
  const pack = tar.pack();
  void (async () => {
    pack.entry({ name: 'caravan/', type: 'directory', mode: 0o755, ...owner });
    if (agentDir) await addTree(pack, agentDir, 'caravan/agent');
    // Written last: its presence marks a complete copy (see DockerExecutor.create).
    pack.entry({ name: 'caravan/context.json', mode: 0o600, ...owner }, contextJson);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  // tar-stream's pack is a streamx stream; wrap it in a Node Readable for undici.
  return Readable.from(pack);
}

async function addTree(pack: tar.Pack, hostDir: string, name: string): Promise<void> {
  const info = await lstat(hostDir);
  // Readable by any user the image runs as, whatever the host folder's mode.
  pack.entry({ name: `${name}/`, type: 'directory', mode: 0o755, mtime: info.mtime });
  for (const child of (await readdir(hostDir)).sort()) {
    const hostPath = join(hostDir, child);
    const entryName = `${name}/${child}`;
    const stat = await lstat(hostPath);
    if (stat.isDirectory()) {
      await addTree(pack, hostPath, entryName);
    } else if (stat.isSymbolicLink()) {
      pack.entry({ name: entryName, type: 'symlink', linkname: await readlink(hostPath), mode: 0o777 });
    } else if (stat.isFile()) {
      const entry = pack.entry({ name: entryName, size: stat.size, mode: stat.mode & 0o7777, mtime: stat.mtime });
      await pipeline(createReadStream(hostPath), entry);
    }
  }
}

/** After a create found the task's name taken: finishes the earlier create, or refuses a stranger's container. */
export async function completeEarlierCreate(
  api: DockerApi,
  taskId: string,
  contextJson: string,
  owner: ArchiveOwner,
  hostAgentDir: () => string,
): Promise<void> {
  const existing = await findTaskContainer(api, taskId);
  if (!existing) {
    const name = containerName(taskId);
    throw new Error(
      `task ${taskId}: a container named ${name} exists but is not labelled ${TASK_LABEL}=${taskId}; remove it (docker rm -f ${name})`,
    );
  }
  await completeCopy(api, existing, contextJson, owner, hostAgentDir);
}

/**
 * Copies what a container made by an earlier create still lacks (the context is written last):
 * nothing when its context is bound or already there; the host's agent unless it is bound or the
 * image's own runs.
 */
export async function completeCopy(
  api: DockerApi,
  container: ContainerInspect,
  contextJson: string,
  owner: ArchiveOwner,
  hostAgentDir: () => string,
): Promise<void> {
  if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
  const mounted = new Set((container.Mounts ?? []).map((mount) => mount.Destination));
  // A bound context was rewritten by create before it tried to make the container.
  if (mounted.has(CONTAINER_CONTEXT_FILE)) return;
  if (await api.pathExists(container.Id, CONTAINER_CONTEXT_FILE)) return;
  const embedded = (container.Config.Labels?.[AGENT_LABEL] ?? 'host') !== 'host';
  const agentDir = mounted.has(CONTAINER_AGENT_DIR) || embedded ? undefined : hostAgentDir();
  await api.putArchive(container.Id, '/', agentArchive(agentDir, contextJson, owner));
}
