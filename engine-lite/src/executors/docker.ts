/**
 * The `docker` executor: runs each task in a container of the action's image through the Docker
 * Engine API (Docker, or Podman's compatible API). The stock image is not rebuilt: the portable
 * caravan-agent folder and the task context are bind-mounted from the host (or copied in when
 * the daemon does not see the host's files), and the container's command is
 * `caravan-agent run --context /caravan/context.json -- <command>`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { AgentReport } from '@caravan/spec';
import { caravanHome } from '../paths.js';
import type { ActionExecutor, TaskSpec, TaskState } from './types.js';
import { DockerApi, DockerApiError, type ContainerCreateBody, type ContainerInspect } from './docker-api.js';
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
import { daemonSeesHostFolders, privateDir, writeContextFile, type AgentDelivery } from './docker-delivery.js';
import { lastLines } from './docker-logs.js';
import { reportFromArchive } from './docker-report.js';

export interface DockerExecutorOptions {
  /** `unix:///path.sock` or `tcp://host:port`; default `DOCKER_HOST`, else `unix:///var/run/docker.sock`. */
  dockerHost?: string;
  apiVersion?: string;
  /** Host folder holding the portable agent (`caravan-agent` sh entry); default `dist/agent-portable`. */
  agentDir?: string;
  /**
   * `bind`: the agent folder is bind-mounted read-only and the task context from a private host
   * file (`stateDir`), nothing is copied; `copy`: one tar holding both is uploaded into each
   * container, for a daemon that does not see the engine's files; `auto` (default): `bind` when
   * the daemon sees the host's agent and state folders (asked once, with a container that never
   * starts), else `copy`.
   */
  agentDelivery?: AgentDelivery;
  /**
   * Private host folder (0700) for the task contexts bind-mounted into containers; default
   * `$CARAVAN_HOME/tasks/docker`. Each file lives from create to remove.
   */
  stateDir?: string;
  /** Keep-alive connections to the Docker API for short calls; each blocking wait opens its own. Default 16. */
  connections?: number;
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
/** Milliseconds between status checks while a container is created but not yet running. */
const PENDING_POLL_MS = 200;
/**
 * After a cancel, how long past the grace period the container may still run before it gets
 * SIGKILL: the agent kills the action's group at the end of the grace period itself and needs a
 * moment to send its report.
 */
const KILL_SLACK_MS = 2000;

/**
 * The container's PID 1: a POSIX shell (the agent's entry needs one anyway) that starts the agent
 * as its child and forwards SIGTERM, SIGINT and SIGHUP to it. The kernel drops a signal sent to a
 * namespace's PID 1 unless that process handles it, and Node handles SIGTERM in JavaScript only
 * once its code has loaded: as PID 1, an agent cancelled while it starts would lose the SIGTERM
 * and then start the action. As a child it dies of that SIGTERM before it starts the action.
 */
export const SIGNAL_FORWARDER = [
  `trap 'kill -s TERM "$p" 2>/dev/null' TERM`,
  `trap 'kill -s INT "$p" 2>/dev/null' INT`,
  `trap 'kill -s HUP "$p" 2>/dev/null' HUP`,
  '"$@" & p=$!',
  // wait returns early (above 128) when a trapped signal arrives: wait again until the agent is gone.
  'while :; do wait "$p"; s=$?; kill -0 "$p" 2>/dev/null || exit "$s"; done',
].join('\n');

export function containerName(taskId: string): string {
  const clean = taskId.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 100);
  if (clean === taskId) return `caravan-${clean}`;
  return `caravan-${clean}-${createHash('sha256').update(taskId).digest('hex').slice(0, 10)}`;
}

export class DockerExecutor implements ActionExecutor {
  readonly kind = 'docker';
  readonly api: DockerApi;
  private readonly options: DockerExecutorOptions;
  /** Container ids of the tasks this executor created or started: no lookup needed. */
  private readonly ids = new Map<string, string>();
  /** Tasks whose container this executor created and has not started yet: start needs no inspect. */
  private readonly fresh = new Set<string>();
  /** Tasks cancelled before their container started: it must never start. */
  private readonly neverStart = new Set<string>();
  /** Tasks sent SIGTERM by cancel: a second SIGTERM would make the agent kill the action at once. */
  private readonly signalled = new Set<string>();
  /** SIGKILL backstops armed by cancel. */
  private readonly killTimers = new Map<string, NodeJS.Timeout>();
  private deliveryAnswer?: 'bind' | 'copy';
  private readonly probes = new Map<string, Promise<'bind' | 'copy'>>();
  private stateDirReady?: string;

  constructor(options: DockerExecutorOptions = {}) {
    this.options = options;
    this.api = new DockerApi({
      ...(options.dockerHost !== undefined ? { host: options.dockerHost } : {}),
      ...(options.apiVersion !== undefined ? { apiVersion: options.apiVersion } : {}),
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
    });
  }

  /**
   * How this executor delivers the agent: `bind` or `copy`, after asking the daemon once when the
   * option is `auto` (the default), with a container of `image` that never starts; `who` names the
   * caller in errors.
   */
  async agentDelivery(image: string, who = 'the docker executor'): Promise<'bind' | 'copy'> {
    const option = this.options.agentDelivery ?? 'auto';
    if (option !== 'auto') return option;
    if (this.deliveryAnswer) return this.deliveryAnswer;
    // One probe at a time per image: a missing image fails its own callers, not those of another.
    let probe = this.probes.get(image);
    if (!probe) {
      probe = daemonSeesHostFolders(
        this.api,
        findAgentPortableDir(this.options.agentDir),
        this.stateDir(),
        (name, body) => this.createNamed(name, body, image, who),
        image,
      )
        .then((seen) => (this.deliveryAnswer ??= seen ? 'bind' : 'copy'))
        .finally(() => this.probes.delete(image));
      this.probes.set(image, probe);
    }
    return probe;
  }

  async create(task: TaskSpec): Promise<void> {
    const name = containerName(task.taskId);
    const image = task.image ?? this.options.defaultImage;
    if (!image)
      throw new Error(
        `task ${task.taskId}: the docker executor needs an image; set \`image\` on the step or the action`,
      );
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
    const contextJson = JSON.stringify(containerContext(task.context, mappings, this.options.callbackHost));
    const delivery = await this.agentDelivery(image, `task ${task.taskId}`);
    const bindContext = delivery === 'bind' && this.contextOwner() !== null;
    // Written before the container exists, so that it is never started without its context.
    if (bindContext) {
      this.stateDir();
      writeContextFile(this.contextFile(task.taskId), contextJson, this.contextOwner() ?? undefined);
    }
    const binds = this.binds(task, delivery, bindContext);
    const id = await this.createNamed(
      name,
      {
        Image: image,
        Entrypoint: [],
        Cmd: [
          '/bin/sh',
          '-c',
          SIGNAL_FORWARDER,
          'caravan-agent',
          ...agentCommand(imageNode(task.command, this.options.nodeCommand), mappings, this.reportPath()),
        ],
        WorkingDir: CONTAINER_WORKSPACE,
        ...(this.options.user ? { User: this.options.user } : {}),
        Labels: {
          [TASK_LABEL]: task.taskId,
          [RUN_LABEL]: task.runId,
          'caravan.step': task.stepId,
          'caravan.attempt': String(task.attempt),
        },
        StopSignal: 'SIGTERM',
        HostConfig: { NetworkMode: this.options.networkMode ?? 'host', Binds: binds },
      },
      image,
      `task ${task.taskId}`,
    ).catch(async (error: unknown) => {
      if (error instanceof NameTaken) return null;
      throw error;
    });
    if (id === null) {
      // Created before (an engine restarted, or create called twice): finish what it started.
      const existing = await this.find(task.taskId);
      if (!existing) {
        throw new Error(
          `task ${task.taskId}: a container named ${name} exists but is not labelled ${TASK_LABEL}=${task.taskId}; remove it (docker rm -f ${name})`,
        );
      }
      await this.completeCopy(existing, contextJson);
      return;
    }
    if (!bindContext) {
      const agentDir = delivery === 'copy' ? findAgentPortableDir(this.options.agentDir) : undefined;
      try {
        await this.api.putArchive(id, '/', agentArchive(agentDir, contextJson, this.owner()));
      } catch (error) {
        await this.api.removeContainer(id);
        throw error;
      }
    }
    this.ids.set(task.taskId, id);
    this.fresh.add(task.taskId);
  }

  async start(taskId: string): Promise<void> {
    if (this.neverStart.has(taskId)) {
      // Cancelled before it started: it never runs (wait then finds it gone).
      await this.removeContainers(taskId);
      this.ids.delete(taskId);
      this.fresh.delete(taskId);
      return;
    }
    let id = this.fresh.has(taskId) ? this.ids.get(taskId) : undefined;
    this.fresh.delete(taskId);
    if (!id) {
      const container = await this.find(taskId);
      if (!container) throw new Error(`task ${taskId}: no container to start; call create first`);
      if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
      id = container.Id;
    }
    try {
      await this.api.startContainer(id);
      this.ids.set(taskId, id);
    } catch (error) {
      const tail = await this.tail(id);
      const reason = error instanceof Error ? error.message : String(error);
      const hint =
        (this.options.agentDelivery ?? this.deliveryAnswer) === 'bind'
          ? ' (the daemon must see the host folders it bind-mounts; agentDelivery "copy" does not need that for the agent)'
          : '';
      throw new Error(`task ${taskId}: the container could not start the agent: ${reason}${hint}${tail}`, {
        cause: error,
      });
    }
  }

  async status(taskId: string): Promise<TaskState> {
    const container = await this.find(taskId);
    if (!container) return { phase: 'gone', message: `no container for task ${taskId}` };
    return this.stateOf(container);
  }

  /**
   * Resolves when the task has left `created`/`running`: Docker's blocking wait, on a connection
   * of its own (never polling, never holding up other calls).
   */
  async wait(taskId: string): Promise<TaskState> {
    // Started here: wait at once (it returns at once if the container has stopped already).
    const known = this.ids.get(taskId);
    if (known && !this.fresh.has(taskId)) await this.api.waitContainer(known);
    for (;;) {
      const container = await this.find(taskId);
      if (!container) return { phase: 'gone', message: `no container for task ${taskId}` };
      const state = await this.stateOf(container);
      if (state.phase === 'exited') {
        this.disarm(taskId);
        return state;
      }
      if (state.phase === 'running') await this.api.waitContainer(container.Id);
      else await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
    }
  }

  /** The report the agent wrote, read from the container (also after an engine restart). */
  async readReport(taskId: string): Promise<AgentReport | undefined> {
    const container = await this.find(taskId);
    if (!container) return undefined;
    const archive = await this.api.getArchive(container.Id, this.reportPath());
    return archive ? reportFromArchive(archive) : undefined;
  }

  /**
   * SIGTERM to the container's main process, the agent, which forwards it to the action's process
   * group and kills the group after the grace period; SIGKILL to the container if it still runs a
   * moment after that. Returns once SIGTERM is sent. A container not started yet is removed and
   * never starts.
   */
  async cancel(taskId: string): Promise<void> {
    const container = await this.find(taskId);
    if (!container || container.State.Status === 'created' || container.State.Status === 'configured') {
      // Not started (or not even created yet: create may be under way): it must never run.
      this.neverStart.add(taskId);
      this.fresh.delete(taskId);
      this.ids.delete(taskId);
      if (container) await this.api.removeContainer(container.Id);
      return;
    }
    if (!container.State.Running || this.signalled.has(taskId)) return;
    this.signalled.add(taskId);
    await this.api.killContainer(container.Id, 'SIGTERM');
    const graceMs = (this.options.graceSeconds ?? 10) * 1000;
    const timer = setTimeout(() => {
      this.killTimers.delete(taskId);
      void this.api
        .inspectContainer(container.Id)
        .then((now) => (now?.State.Running ? this.api.killContainer(container.Id, 'SIGKILL') : undefined))
        .catch(() => undefined);
    }, graceMs + KILL_SLACK_MS);
    timer.unref();
    this.killTimers.set(taskId, timer);
  }

  async remove(taskId: string): Promise<void> {
    this.disarm(taskId);
    this.fresh.delete(taskId);
    this.neverStart.delete(taskId);
    this.signalled.delete(taskId);
    await this.removeContainers(taskId);
    this.ids.delete(taskId);
    rmSync(this.contextFile(taskId), { force: true });
  }

  async close(): Promise<void> {
    for (const taskId of [...this.killTimers.keys()]) this.disarm(taskId);
    await this.api.close();
  }

  /** Creates a container; null when the name is taken, the caller's error when the image is missing. */
  private async createNamed(name: string, body: ContainerCreateBody, image: string, who: string): Promise<string> {
    try {
      const id = await this.api.createContainer(name, body);
      if (id === null) throw new NameTaken(name);
      return id;
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) {
        throw new Error(
          `${who}: image ${image} not found locally; build or pull it first (Caravan never pulls images)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Removes the task's containers: the one holding its name, if it is the task's, else any labelled for it. */
  private async removeContainers(taskId: string): Promise<void> {
    const known = this.ids.get(taskId);
    if (known) {
      await this.api.removeContainer(known);
      return;
    }
    const byName = await this.api.inspectContainer(containerName(taskId));
    if (byName && byName.Config.Labels?.[TASK_LABEL] === taskId) {
      await this.api.removeContainer(byName.Id);
      return;
    }
    for (const summary of await this.api.listContainersByLabel(`${TASK_LABEL}=${taskId}`))
      await this.api.removeContainer(summary.Id);
  }

  private disarm(taskId: string): void {
    const timer = this.killTimers.get(taskId);
    if (timer) clearTimeout(timer);
    this.killTimers.delete(taskId);
  }

  private async stateOf(container: ContainerInspect): Promise<TaskState> {
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

  /** The task's container, by its name or, failing that, by its label. */
  private async find(taskId: string): Promise<ContainerInspect | null> {
    const byName = await this.api.inspectContainer(containerName(taskId));
    if (byName && byName.Config.Labels?.[TASK_LABEL] === taskId) return byName;
    const [summary] = await this.api.listContainersByLabel(`${TASK_LABEL}=${taskId}`);
    return summary ? this.api.inspectContainer(summary.Id) : null;
  }

  /** Copies what a container made by an earlier create still lacks (the context is written last). */
  private async completeCopy(container: ContainerInspect, contextJson: string): Promise<void> {
    if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
    const mounted = new Set((container.Mounts ?? []).map((mount) => mount.Destination));
    // A bound context was rewritten by create before it tried to make the container.
    if (mounted.has(CONTAINER_CONTEXT_FILE)) return;
    if (await this.api.pathExists(container.Id, CONTAINER_CONTEXT_FILE)) return;
    const agentDir = mounted.has(CONTAINER_AGENT_DIR) ? undefined : findAgentPortableDir(this.options.agentDir);
    await this.api.putArchive(container.Id, '/', agentArchive(agentDir, contextJson, this.owner()));
  }

  /** The state folder's path. */
  private stateDirPath(): string {
    return resolve(this.options.stateDir ?? join(caravanHome(), 'tasks', 'docker'));
  }

  /** The state folder, made (private) on first use. */
  private stateDir(): string {
    this.stateDirReady ??= privateDir(this.stateDirPath());
    return this.stateDirReady;
  }

  private contextFile(taskId: string): string {
    return join(this.stateDirPath(), `${containerName(taskId)}.context.json`);
  }

  /**
   * Owner to give a bind-mounted context file so the container's user can read it (undefined:
   * keep this process's), or null when that cannot be done here and the context must be copied.
   */
  private contextOwner(): { uid: number; gid: number } | undefined | null {
    if (!this.options.user) return undefined;
    const match = /^(\d+)(?::(\d+))?$/.exec(this.options.user);
    if (!match) return null; // a user name from the image: only the daemon can resolve it
    const uid = process.getuid?.();
    const owner = this.owner();
    if (uid === owner.uid) return undefined;
    return uid === 0 ? owner : null;
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

  private binds(task: TaskSpec, delivery: 'bind' | 'copy', bindContext: boolean): string[] {
    const binds = [`${task.workspace}:${CONTAINER_WORKSPACE}`, `${task.actionDir}:${CONTAINER_ACTION_DIR}:ro`];
    if (delivery === 'bind') binds.push(`${findAgentPortableDir(this.options.agentDir)}:${CONTAINER_AGENT_DIR}:ro`);
    if (bindContext) binds.push(`${this.contextFile(task.taskId)}:${CONTAINER_CONTEXT_FILE}:ro`);
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

/** A container name already in use (by an earlier create of the same task, or by a stranger). */
class NameTaken extends Error {
  constructor(name: string) {
    super(`the container name ${name} is taken`);
  }
}

export function createDockerExecutor(options: DockerExecutorOptions = {}): DockerExecutor {
  return new DockerExecutor(options);
}
