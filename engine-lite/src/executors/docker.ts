/**
 * The `docker` executor: runs each task in a container of the action's image through the Docker
 * Engine API (Docker, or Podman's compatible API). The stock image is not rebuilt: the portable
 * caravan-agent folder and the task context are copied in before the container starts, and the
 * container's command is `caravan-agent run --context /caravan/context.json -- <command>`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { AgentReport } from '@caravan/spec';
import type { ActionExecutor, TaskSpec, TaskState } from './types.js';
import { DockerApi, type ContainerInspect } from './docker-api.js';
import { agentArchive, type ArchiveOwner } from './docker-archive.js';
import { findAgentPortableDir } from './docker-agent-dir.js';
import {
  CONTAINER_ACTION_DIR,
  CONTAINER_AGENT_DIR,
  CONTAINER_CONTEXT_FILE,
  CONTAINER_WORKSPACE,
  agentCommand,
  containerContext,
  imageNode,
  type PathMapping,
} from './docker-context.js';
import { lastLines } from './docker-logs.js';
import { reportFromArchive } from './docker-report.js';

export interface DockerExecutorOptions {
  /** `unix:///path.sock` or `tcp://host:port`; default `DOCKER_HOST`, else `unix:///var/run/docker.sock`. */
  dockerHost?: string;
  apiVersion?: string;
  /** Host folder holding the portable agent (`caravan-agent` sh entry); default `dist/agent-portable`. */
  agentDir?: string;
  /**
   * `copy` (default): the agent folder is copied into each container, which works with any
   * daemon; `bind`: it is bind-mounted read-only, faster, for a daemon on the same host.
   */
  agentDelivery?: 'copy' | 'bind';
  /** Default `host`, so the agent reaches a loopback callback URL. */
  networkMode?: string;
  /** Replaces the callback URL's host, e.g. `host.docker.internal` with a bridge network. */
  callbackHost?: string;
  /** Seconds between SIGTERM and SIGKILL on cancel; default 10. */
  graceSeconds?: number;
  /** Image used when a task names none. */
  defaultImage?: string;
  /** User to run as (`uid[:gid]` or a name from the image); default the image's. */
  user?: string;
  /** Extra bind mounts, `host:container[:ro]`. */
  binds?: string[];
  /**
   * Where the agent writes its report, relative to the workspace (so it lands on the host);
   * default `/caravan/report.json` inside the container. `readReport` reads it either way.
   */
  reportFile?: string;
  /** Replaces a host Node binary at the head of a command (`runs: node`); default `node` from the image's PATH. */
  nodeCommand?: string;
  /** Lines of container output kept for the error message when the agent could not start. */
  logTailLines?: number;
}

export const TASK_LABEL = 'caravan.task';
export const RUN_LABEL = 'caravan.run';

/** Env entries holding host folders shared with every step; mounted at the same path. */
const SHARED_DIR_ENV = ['CARAVAN_CACHE_DIR', 'CARAVAN_ARTIFACTS_DIR', 'CARAVAN_APPROVALS_DIR'];

/** Exit codes of a shell that could not run the command (permission denied, not found). */
const COULD_NOT_START = new Set([126, 127]);
const CONTAINER_REPORT_FILE = '/caravan/report.json';
/** Seconds between status checks while a container is created but not yet running. */
const PENDING_POLL_MS = 200;

export function containerName(taskId: string): string {
  const clean = taskId.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 100);
  if (clean === taskId) return `caravan-${clean}`;
  return `caravan-${clean}-${createHash('sha256').update(taskId).digest('hex').slice(0, 10)}`;
}

export class DockerExecutor implements ActionExecutor {
  readonly kind = 'docker';
  readonly api: DockerApi;
  private readonly options: DockerExecutorOptions;

  constructor(options: DockerExecutorOptions = {}) {
    this.options = options;
    this.api = new DockerApi({
      ...(options.dockerHost !== undefined ? { host: options.dockerHost } : {}),
      ...(options.apiVersion !== undefined ? { apiVersion: options.apiVersion } : {}),
    });
  }

  async create(task: TaskSpec): Promise<void> {
    const name = containerName(task.taskId);
    const existing = await this.find(task.taskId);
    if (existing) {
      await this.completeCopy(existing, task);
      return;
    }
    const image = task.image ?? this.options.defaultImage;
    if (!image)
      throw new Error(
        `task ${task.taskId}: the docker executor needs an image; set \`image\` on the step or the action`,
      );
    if (!(await this.api.imageExists(image))) {
      throw new Error(
        `task ${task.taskId}: image ${image} not found locally; build or pull it first (Caravan never pulls images)`,
      );
    }
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
    const mappings = this.mappings(task);
    const reportFile = this.options.reportFile?.replace(/^\/+/, '');
    // The agent writes the report into a folder that must exist.
    if (reportFile) mkdirSync(dirname(join(task.workspace, reportFile)), { recursive: true, mode: 0o777 });
    const id = await this.api.createContainer(name, {
      Image: image,
      Entrypoint: [],
      Cmd: agentCommand(imageNode(task.command, this.options.nodeCommand), mappings, this.reportPath()),
      WorkingDir: CONTAINER_WORKSPACE,
      ...(this.options.user ? { User: this.options.user } : {}),
      Labels: {
        [TASK_LABEL]: task.taskId,
        [RUN_LABEL]: task.runId,
        'caravan.step': task.stepId,
        'caravan.attempt': String(task.attempt),
      },
      StopSignal: 'SIGTERM',
      HostConfig: { NetworkMode: this.options.networkMode ?? 'host', Binds: this.binds(task) },
    });
    const created = id ? await this.api.inspectContainer(id) : await this.find(task.taskId);
    if (!created) {
      throw new Error(
        id
          ? `task ${task.taskId}: container ${name} vanished right after it was created`
          : `task ${task.taskId}: a container named ${name} exists but is not labelled ${TASK_LABEL}=${task.taskId}; remove it (docker rm -f ${name})`,
      );
    }
    try {
      await this.completeCopy(created, task);
    } catch (error) {
      await this.api.removeContainer(created.Id);
      throw error;
    }
  }

  async start(taskId: string): Promise<void> {
    const container = await this.find(taskId);
    if (!container) throw new Error(`task ${taskId}: no container to start; call create first`);
    if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
    try {
      await this.api.startContainer(container.Id);
    } catch (error) {
      const tail = await this.tail(container.Id);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`task ${taskId}: the container could not start the agent: ${reason}${tail}`, { cause: error });
    }
  }

  async status(taskId: string): Promise<TaskState> {
    const container = await this.find(taskId);
    if (!container) return { phase: 'gone', message: `no container for task ${taskId}` };
    const state = container.State;
    switch (state.Status) {
      case 'created':
      case 'configured':
        return { phase: 'created' };
      case 'running':
      case 'paused':
      case 'restarting':
        return { phase: 'running' };
      default:
        return { phase: 'exited', exitCode: state.ExitCode, ...(await this.exitMessage(container)) };
    }
  }

  /** Resolves when the task has left `created`/`running` (Docker's blocking wait, no polling). */
  async wait(taskId: string): Promise<TaskState> {
    for (;;) {
      const state = await this.status(taskId);
      if (state.phase === 'exited' || state.phase === 'gone') return state;
      if (state.phase === 'running') {
        const container = await this.find(taskId);
        if (container) await this.api.waitContainer(container.Id);
      } else {
        await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
      }
    }
  }

  /** The report the agent wrote, read from the container (also after an engine restart). */
  async readReport(taskId: string): Promise<AgentReport | undefined> {
    const container = await this.find(taskId);
    if (!container) return undefined;
    const archive = await this.api.getArchive(container.Id, this.reportPath());
    return archive ? reportFromArchive(archive) : undefined;
  }

  async cancel(taskId: string): Promise<void> {
    const container = await this.find(taskId);
    if (!container) return;
    if (container.State.Status === 'created' || container.State.Status === 'configured') {
      // Never started: remove it so a later start cannot run it.
      await this.api.removeContainer(container.Id);
      return;
    }
    if (container.State.Running) await this.api.stopContainer(container.Id, this.options.graceSeconds ?? 10);
  }

  async remove(taskId: string): Promise<void> {
    const ids = new Set<string>();
    const byName = await this.api.inspectContainer(containerName(taskId));
    if (byName) ids.add(byName.Id);
    for (const summary of await this.api.listContainersByLabel(`${TASK_LABEL}=${taskId}`)) ids.add(summary.Id);
    for (const id of ids) await this.api.removeContainer(id);
  }

  async close(): Promise<void> {
    await this.api.close();
  }

  /** The task's container, by its name or, failing that, by its label. */
  private async find(taskId: string): Promise<ContainerInspect | null> {
    const byName = await this.api.inspectContainer(containerName(taskId));
    if (byName && byName.Config.Labels?.[TASK_LABEL] === taskId) return byName;
    const [summary] = await this.api.listContainersByLabel(`${TASK_LABEL}=${taskId}`);
    return summary ? this.api.inspectContainer(summary.Id) : null;
  }

  /** Copies the agent and context in, unless a previous create already finished doing so. */
  private async completeCopy(container: ContainerInspect, task: TaskSpec): Promise<void> {
    if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
    if (await this.api.pathExists(container.Id, CONTAINER_CONTEXT_FILE)) return;
    const context = containerContext(task.context, this.mappings(task), this.options.callbackHost);
    const agentDir = this.options.agentDelivery === 'bind' ? undefined : findAgentPortableDir(this.options.agentDir);
    await this.api.putArchive(container.Id, '/', agentArchive(agentDir, JSON.stringify(context), this.owner()));
  }

  private reportPath(): string {
    const relative = this.options.reportFile?.replace(/^\/+/, '');
    return relative ? `${CONTAINER_WORKSPACE}/${relative}` : CONTAINER_REPORT_FILE;
  }

  private mappings(task: TaskSpec): PathMapping[] {
    // Longest host path first, so a workspace inside the action dir (or the reverse) maps right.
    return [
      { host: task.workspace, container: CONTAINER_WORKSPACE },
      { host: task.actionDir, container: CONTAINER_ACTION_DIR },
    ].sort((a, b) => b.host.length - a.host.length);
  }

  private binds(task: TaskSpec): string[] {
    const binds = [`${task.workspace}:${CONTAINER_WORKSPACE}`, `${task.actionDir}:${CONTAINER_ACTION_DIR}:ro`];
    if (this.options.agentDelivery === 'bind')
      binds.push(`${findAgentPortableDir(this.options.agentDir)}:${CONTAINER_AGENT_DIR}:ro`);
    for (const name of SHARED_DIR_ENV) {
      const dir = task.context.env[name];
      if (dir && isAbsolute(dir) && existsSync(dir)) binds.push(`${dir}:${dir}`);
    }
    return [...binds, ...(this.options.binds ?? [])];
  }

  private owner(): ArchiveOwner {
    const match = /^(\d+)(?::(\d+))?$/.exec(this.options.user ?? '');
    if (!match) return { uid: 0, gid: 0 };
    const uid = Number(match[1]);
    return { uid, gid: match[2] === undefined ? uid : Number(match[2]) };
  }

  private async exitMessage(container: ContainerInspect): Promise<{ message?: string }> {
    const state = container.State;
    if (state.OOMKilled)
      return { message: `the container was killed for running out of memory (exit code ${state.ExitCode})` };
    if (state.Error) return { message: `the container failed: ${state.Error}${await this.tail(container.Id)}` };
    if (COULD_NOT_START.has(state.ExitCode)) {
      return {
        message: `the agent or the command could not start (exit code ${state.ExitCode})${await this.tail(container.Id)}`,
      };
    }
    return state.ExitCode === 0 ? {} : { message: `the container exited with code ${state.ExitCode}` };
  }

  private async tail(id: string): Promise<string> {
    const count = this.options.logTailLines ?? 20;
    const lines = lastLines(await this.api.logsTail(id, count), count);
    return lines.length ? `; last output:\n${lines.join('\n')}` : '';
  }
}

export function createDockerExecutor(options: DockerExecutorOptions = {}): DockerExecutor {
  return new DockerExecutor(options);
}
