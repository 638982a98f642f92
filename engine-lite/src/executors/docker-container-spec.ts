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
import { BOUND_REPORT_FILE, CONTAINER_TASK_DIR } from './docker-task-dir.js';
import { AGENT_LABEL } from './docker-embedded-agent.js';
import {
  CONTAINER_REPORT_FILE,
  GRACE_LABEL,
  containerName,
  RUN_LABEL,
  SHARED_DIR_ENV,
  SIGNAL_FORWARDER,
  TASK_LABEL,
  type DockerExecutorOptions,
} from './docker-options.js';

/** The workspace and the action folder are bind-mounted: they must exist on the host. */
export function checkHostFolders(task: TaskSpec): void {
  for (const [label, path] of [
    ['workspace', task.workspace],
    ['action dir', task.actionDir],
  ] as const) {
    if (!isAbsolute(path) || !existsSync(path)) {
      throw new Error(
        `task ${task.taskId}: the ${label} ${JSON.stringify(path)} does not exist on the host (it is bind-mounted)`,
      );
    }
  }
}

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

/** Where the agent writes its report in the container: the workspace, the bound task folder, else `/caravan`. */
export function reportPath(o: DockerExecutorOptions, taskDirBound = false): string {
  const relative = o.reportFile?.replace(/^\/+/, '');
  if (relative) return `${CONTAINER_WORKSPACE}/${relative}`;
  return taskDirBound ? BOUND_REPORT_FILE : CONTAINER_REPORT_FILE;
}

export function mappings(task: TaskSpec): PathMapping[] {
  // Longest host path first, so a workspace inside the action dir (or the reverse) maps right.
  return [
    { host: task.workspace, container: CONTAINER_WORKSPACE },
    { host: task.actionDir, container: CONTAINER_ACTION_DIR },
  ].sort((a, b) => b.host.length - a.host.length);
}

/**
 * The container's bind mounts: the workspace and the action; the host's agent when it is bound;
 * the context file and the task folder (its report and spool) when the daemon sees host files.
 */
export function binds(
  o: DockerExecutorOptions,
  task: TaskSpec,
  bindAgent: boolean,
  taskDir: string | undefined,
): string[] {
  const list = [`${task.workspace}:${CONTAINER_WORKSPACE}`, `${task.actionDir}:${CONTAINER_ACTION_DIR}:ro`];
  if (bindAgent) list.push(`${findAgentPortableDir(o.agentDir)}:${CONTAINER_AGENT_DIR}:ro`);
  if (taskDir) {
    list.push(`${contextFile(o, task.taskId)}:${CONTAINER_CONTEXT_FILE}:ro`);
    list.push(`${taskDir}:${CONTAINER_TASK_DIR}`);
  }
  for (const name of SHARED_DIR_ENV) {
    const dir = task.context.env[name];
    if (dir && isAbsolute(dir) && existsSync(dir)) list.push(`${dir}:${dir}`);
  }
  return [...list, ...(o.binds ?? [])];
}

/** How a task's container is laid out. */
export interface ContainerLayout {
  image: string;
  paths: PathMapping[];
  mounts: string[];
  /** The agent's entry inside the container. */
  agent: string;
  report: string;
  /** Labels saying which agent runs the task (embedded or the host's). */
  labels: Record<string, string>;
}

/** A task's layout: its binds, which agent runs it (labelled), its report and its grace period (labelled). */
export function containerLayout(
  o: DockerExecutorOptions,
  task: TaskSpec,
  c: {
    image: string;
    paths: PathMapping[];
    bindAgent: boolean;
    /** The host task folder when it is bound. */
    taskDir: string | undefined;
    agent: string;
    /** Which embedded agent runs the task; undefined for the host's. */
    note: string | undefined;
  },
): ContainerLayout {
  return {
    image: c.image,
    paths: c.paths,
    mounts: binds(o, task, c.bindAgent, c.taskDir),
    agent: c.agent,
    report: reportPath(o, c.taskDir !== undefined),
    labels: {
      [AGENT_LABEL]: c.note ?? 'host',
      [GRACE_LABEL]: String(task.context.graceSeconds ?? o.graceSeconds ?? 10),
    },
  };
}

/** The create request of a task's container: the agent under the signal forwarder, labels, binds. */
export function containerBody(o: DockerExecutorOptions, task: TaskSpec, layout: ContainerLayout): ContainerCreateBody {
  const { image, paths, mounts } = layout;
  return {
    Image: image,
    Entrypoint: [],
    Cmd: [
      '/bin/sh',
      '-c',
      SIGNAL_FORWARDER,
      'caravan-agent',
      ...agentCommand(imageNode(task.command, o.nodeCommand), paths, layout.report, layout.agent),
    ],
    WorkingDir: CONTAINER_WORKSPACE,
    ...(o.user ? { User: o.user } : {}),
    Labels: {
      [TASK_LABEL]: task.taskId,
      [RUN_LABEL]: task.runId,
      'caravan.step': task.stepId,
      'caravan.attempt': String(task.attempt),
      ...layout.labels,
    },
    StopSignal: 'SIGTERM',
    HostConfig: { NetworkMode: o.networkMode ?? 'host', Binds: mounts },
  };
}
