/**
 * What a task's container is made of, from the executor's options alone: its binds and path
 * mappings, where its context and report live, and whose files it sees.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { caravanHome } from '../paths.js';
import type { TaskSpec } from './types.js';
import type { ContainerCreateBody } from './docker-api.js';
import type { ArchiveOwner } from './docker-archive.js';
import { findAgentPortableDir } from './docker-agent-dir.js';
import {
  CONTAINER_ACTION_DIR,
  CONTAINER_AGENT_DIR,
  CONTAINER_CONTEXT_FILE,
  CONTAINER_WORKSPACE,
  agentCommand,
  imageNode,
  type PathMapping,
} from './docker-context.js';
import {
  CONTAINER_REPORT_FILE,
  containerName,
  RUN_LABEL,
  SHARED_DIR_ENV,
  SIGNAL_FORWARDER,
  TASK_LABEL,
  type DockerExecutorOptions,
} from './docker-options.js';

/** The private host folder for bind-mounted task contexts. */
export function stateDirPath(o: DockerExecutorOptions): string {
  return resolve(o.stateDir ?? join(caravanHome(), 'tasks', 'docker'));
}

export function contextFile(o: DockerExecutorOptions, taskId: string): string {
  return join(stateDirPath(o), `${containerName(taskId)}.context.json`);
}

/** The uid and gid files copied into the container get, from the `user` option. */
export function archiveOwner(o: DockerExecutorOptions): ArchiveOwner {
  const match = /^(\d+)(?::(\d+))?$/.exec(o.user ?? '');
  if (!match) return { uid: 0, gid: 0 };
  const uid = Number(match[1]);
  return { uid, gid: match[2] === undefined ? uid : Number(match[2]) };
}

/**
 * Owner to give a bind-mounted context file so the container's user can read it (undefined:
 * keep this process's), or null when that cannot be done here and the context must be copied.
 */
export function contextOwner(o: DockerExecutorOptions): { uid: number; gid: number } | undefined | null {
  if (!o.user) return undefined;
  const match = /^(\d+)(?::(\d+))?$/.exec(o.user);
  if (!match) return null; // a user name from the image: only the daemon can resolve it
  const uid = process.getuid?.();
  const owner = archiveOwner(o);
  if (uid === owner.uid) return undefined;
  return uid === 0 ? owner : null;
}

export function reportPath(o: DockerExecutorOptions): string {
  const relative = o.reportFile?.replace(/^\/+/, '');
  return relative ? `${CONTAINER_WORKSPACE}/${relative}` : CONTAINER_REPORT_FILE;
}

export function mappings(task: TaskSpec): PathMapping[] {
  // Longest host path first, so a workspace inside the action dir (or the reverse) maps right.
  return [
    { host: task.workspace, container: CONTAINER_WORKSPACE },
    { host: task.actionDir, container: CONTAINER_ACTION_DIR },
  ].sort((a, b) => b.host.length - a.host.length);
}

export function binds(
  o: DockerExecutorOptions,
  task: TaskSpec,
  delivery: 'bind' | 'copy',
  bindContext: boolean,
): string[] {
  const list = [`${task.workspace}:${CONTAINER_WORKSPACE}`, `${task.actionDir}:${CONTAINER_ACTION_DIR}:ro`];
  if (delivery === 'bind') list.push(`${findAgentPortableDir(o.agentDir)}:${CONTAINER_AGENT_DIR}:ro`);
  if (bindContext) list.push(`${contextFile(o, task.taskId)}:${CONTAINER_CONTEXT_FILE}:ro`);
  for (const name of SHARED_DIR_ENV) {
    const dir = task.context.env[name];
    if (dir && isAbsolute(dir) && existsSync(dir)) list.push(`${dir}:${dir}`);
  }
  return [...list, ...(o.binds ?? [])];
}

/** The create request of a task's container: the agent under the signal forwarder, labels, binds. */
export function containerBody(
  o: DockerExecutorOptions,
  task: TaskSpec,
  image: string,
  paths: PathMapping[],
  mounts: string[],
): ContainerCreateBody {
  return {
    Image: image,
    Entrypoint: [],
    Cmd: [
      '/bin/sh',
      '-c',
      SIGNAL_FORWARDER,
      'caravan-agent',
      ...agentCommand(imageNode(task.command, o.nodeCommand), paths, reportPath(o)),
    ],
    WorkingDir: CONTAINER_WORKSPACE,
    ...(o.user ? { User: o.user } : {}),
    Labels: {
      [TASK_LABEL]: task.taskId,
      [RUN_LABEL]: task.runId,
      'caravan.step': task.stepId,
      'caravan.attempt': String(task.attempt),
    },
    StopSignal: 'SIGTERM',
    HostConfig: { NetworkMode: o.networkMode ?? 'host', Binds: mounts },
  };
}
