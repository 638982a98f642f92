/**
 * The `docker` executor: runs each task in a container of the action's image through the Docker
 * Engine API (Docker, or Podman's compatible API). The stock image is not rebuilt: the portable
 * caravan-agent folder and the task context are bind-mounted from the host (or copied in when
 * the daemon does not see the host's files), and the container's command is
 * `caravan-agent run --context /caravan/context.json -- <command>`.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { AgentReport } from '@caravan/spec';
import type { ActionExecutor, TaskSpec, TaskState } from './types.js';
import { DockerApi, type ContainerInspect } from './docker-api.js';
import { agentArchive } from './docker-archive.js';
import { findAgentPortableDir } from './docker-agent-dir.js';
import {
  archiveOwner,
  binds,
  containerBody,
  contextFile,
  contextOwner,
  mappings,
  reportPath,
  stateDirPath,
} from './docker-container-spec.js';
import { CONTAINER_AGENT_DIR, CONTAINER_CONTEXT_FILE, containerContext } from './docker-context.js';
import { daemonSeesHostFolders, DeliveryChoice, privateDir, writeContextFile } from './docker-delivery.js';
import {
  containerName,
  KILL_SLACK_MS,
  PENDING_POLL_MS,
  TASK_LABEL,
  type DockerExecutorOptions,
} from './docker-options.js';
import { createNamedContainer, findTaskContainer, NameTaken, removeTaskContainers } from './docker-lookup.js';
import { KillBackstops } from './kill-backstops.js';
import { reportFromArchive } from './docker-report.js';
import { outputTail, stateOf } from './docker-state.js';

export {
  containerName,
  RUN_LABEL,
  SIGNAL_FORWARDER,
  TASK_LABEL,
  type DockerExecutorOptions,
} from './docker-options.js';

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
  private readonly backstops = new KillBackstops();
  private readonly delivery: DeliveryChoice;
  private stateDirReady?: string;

  constructor(options: DockerExecutorOptions = {}) {
    this.options = options;
    this.delivery = new DeliveryChoice(options.agentDelivery ?? 'auto');
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
    return this.delivery.choose(image, () =>
      daemonSeesHostFolders(
        this.api,
        findAgentPortableDir(this.options.agentDir),
        this.stateDir(),
        (name, body) => createNamedContainer(this.api, name, body, image, who),
        image,
      ),
    );
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
    const paths = mappings(task);
    const reportFile = this.options.reportFile?.replace(/^\/+/, '');
    // The agent writes the report into a folder that must exist.
    if (reportFile) mkdirSync(dirname(join(task.workspace, reportFile)), { recursive: true, mode: 0o777 });
    const contextJson = JSON.stringify(containerContext(task.context, paths, this.options.callbackHost));
    const delivery = await this.agentDelivery(image, `task ${task.taskId}`);
    const bindContext = delivery === 'bind' && contextOwner(this.options) !== null;
    // Written before the container exists, so that it is never started without its context.
    if (bindContext) {
      this.stateDir();
      writeContextFile(contextFile(this.options, task.taskId), contextJson, contextOwner(this.options) ?? undefined);
    }
    const mounts = binds(this.options, task, delivery, bindContext);
    const id = await createNamedContainer(
      this.api,
      name,
      containerBody(this.options, task, image, paths, mounts),
      image,
      `task ${task.taskId}`,
    ).catch(async (error: unknown) => {
      if (error instanceof NameTaken) return null;
      throw error;
    });
    if (id === null) {
      // Created before (an engine restarted, or create called twice): finish what it started.
      const existing = await findTaskContainer(this.api, task.taskId);
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
        await this.api.putArchive(id, '/', agentArchive(agentDir, contextJson, archiveOwner(this.options)));
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
      await removeTaskContainers(this.api, taskId, this.ids.get(taskId));
      this.ids.delete(taskId);
      this.fresh.delete(taskId);
      return;
    }
    let id = this.fresh.has(taskId) ? this.ids.get(taskId) : undefined;
    this.fresh.delete(taskId);
    if (!id) {
      const container = await findTaskContainer(this.api, taskId);
      if (!container) throw new Error(`task ${taskId}: no container to start; call create first`);
      if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
      id = container.Id;
    }
    try {
      await this.api.startContainer(id);
      this.ids.set(taskId, id);
    } catch (error) {
      const tail = await outputTail(this.api, id, this.options.logTailLines ?? 20);
      const reason = error instanceof Error ? error.message : String(error);
      const hint =
        (this.options.agentDelivery ?? this.delivery.answer) === 'bind'
          ? ' (the daemon must see the host folders it bind-mounts; agentDelivery "copy" does not need that for the agent)'
          : '';
      throw new Error(`task ${taskId}: the container could not start the agent: ${reason}${hint}${tail}`, {
        cause: error,
      });
    }
  }

  async status(taskId: string): Promise<TaskState> {
    const container = await findTaskContainer(this.api, taskId);
    if (!container) return { phase: 'gone', message: `no container for task ${taskId}` };
    return stateOf(this.api, container, this.options.logTailLines ?? 20);
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
      const container = await findTaskContainer(this.api, taskId);
      if (!container) return { phase: 'gone', message: `no container for task ${taskId}` };
      const state = await stateOf(this.api, container, this.options.logTailLines ?? 20);
      if (state.phase === 'exited') {
        this.backstops.disarm(taskId);
        return state;
      }
      if (state.phase === 'running') await this.api.waitContainer(container.Id);
      else await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
    }
  }

  /** The report the agent wrote, read from the container (also after an engine restart). */
  async readReport(taskId: string): Promise<AgentReport | undefined> {
    const container = await findTaskContainer(this.api, taskId);
    if (!container) return undefined;
    const archive = await this.api.getArchive(container.Id, reportPath(this.options));
    return archive ? reportFromArchive(archive) : undefined;
  }

  /**
   * SIGTERM to the container's main process, the agent, which forwards it to the action's process
   * group and kills the group after the grace period; SIGKILL to the container if it still runs a
   * moment after that. Returns once SIGTERM is sent. A container not started yet is removed and
   * never starts.
   */
  async cancel(taskId: string): Promise<void> {
    const container = await findTaskContainer(this.api, taskId);
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
    this.backstops.arm(taskId, graceMs + KILL_SLACK_MS, async () => {
      const now = await this.api.inspectContainer(container.Id);
      if (now?.State.Running) await this.api.killContainer(container.Id, 'SIGKILL');
    });
  }

  async remove(taskId: string): Promise<void> {
    this.backstops.disarm(taskId);
    this.fresh.delete(taskId);
    this.neverStart.delete(taskId);
    this.signalled.delete(taskId);
    await removeTaskContainers(this.api, taskId, this.ids.get(taskId));
    this.ids.delete(taskId);
    rmSync(contextFile(this.options, taskId), { force: true });
  }

  async close(): Promise<void> {
    this.backstops.disarmAll();
    await this.api.close();
  }

  /** The state folder, made (private) on first use. */
  private stateDir(): string {
    this.stateDirReady ??= privateDir(stateDirPath(this.options));
    return this.stateDirReady;
  }

  /** Copies what a container made by an earlier create still lacks (the context is written last). */
  private async completeCopy(container: ContainerInspect, contextJson: string): Promise<void> {
    if (container.State.Status !== 'created' && container.State.Status !== 'configured') return;
    const mounted = new Set((container.Mounts ?? []).map((mount) => mount.Destination));
    // A bound context was rewritten by create before it tried to make the container.
    if (mounted.has(CONTAINER_CONTEXT_FILE)) return;
    if (await this.api.pathExists(container.Id, CONTAINER_CONTEXT_FILE)) return;
    const agentDir = mounted.has(CONTAINER_AGENT_DIR) ? undefined : findAgentPortableDir(this.options.agentDir);
    await this.api.putArchive(container.Id, '/', agentArchive(agentDir, contextJson, archiveOwner(this.options)));
  }
}

export function createDockerExecutor(options: DockerExecutorOptions = {}): DockerExecutor {
  return new DockerExecutor(options);
}
