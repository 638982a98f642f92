/**
 * The `docker` executor: runs each task in a container of the action's image through the Docker
 * Engine API (Docker, or Podman's compatible API). The stock image is not rebuilt: the portable
 * caravan-agent folder and the task context are bind-mounted from the host (or copied in when
 * the daemon does not see the host's files), and the container's command is
 * `caravan-agent run --context /caravan/context.json -- <command>`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentReport } from '@caravan/spec';
import type { ActionExecutor, SpoolSource, TaskSpec, TaskState } from './types.js';
import { DockerApi } from './docker-api.js';
import { agentArchive, completeEarlierCreate } from './docker-archive.js';
import { findAgentPortableDir } from './docker-agent-dir.js';
import {
  archiveOwner,
  checkHostFolders,
  containerBody,
  containerLayout,
  contextFile,
  contextOwner,
  mappings,
  stateDirPath,
} from './docker-container-spec.js';
import { CONTAINER_AGENT, containerContext } from './docker-context.js';
import { AgentPlacement } from './docker-agent-placement.js';
import { AGENT_LABEL, EMBEDDED_AGENT, embeddedNote } from './docker-embedded-agent.js';
import { readTaskReport, takeTaskSpool } from './docker-task-results.js';
import { TaskDir } from './docker-task-dir.js';
import { privateDir, writeContextFile } from './docker-delivery.js';
import {
  containerName,
  GRACE_LABEL,
  KILL_SLACK_MS,
  PENDING_POLL_MS,
  type DockerExecutorOptions,
} from './docker-options.js';
import { createNamedContainer, findTaskContainer, NameTaken } from './docker-lookup.js';
import { removeTaskContainers, taskLabel } from './docker-lookup.js';
import { KillBackstops } from './kill-backstops.js';
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
  /** Which agent ran each task this executor created, when it was the image's own. */
  private readonly notes = new Map<string, string>();
  private readonly backstops = new KillBackstops();
  private readonly placement: AgentPlacement;
  private stateDirReady?: string;

  constructor(options: DockerExecutorOptions = {}) {
    this.options = options;
    this.api = new DockerApi({
      ...(options.dockerHost !== undefined ? { host: options.dockerHost } : {}),
      ...(options.apiVersion !== undefined ? { apiVersion: options.apiVersion } : {}),
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
    });
    this.placement = new AgentPlacement(this.api, options, () => this.stateDir());
  }

  /** `bind` or `copy`: how the host's agent and the task context reach containers of `image`. */
  agentDelivery(image: string, who = 'the docker executor', hostAgent = true): Promise<'bind' | 'copy'> {
    return this.placement.deliveryFor(image, who, hostAgent);
  }

  async create(task: TaskSpec): Promise<void> {
    const name = containerName(task.taskId);
    const image = task.image ?? this.options.defaultImage;
    if (!image)
      throw new Error(
        `task ${task.taskId}: the docker executor needs an image; set \`image\` on the step or the action`,
      );
    checkHostFolders(task);
    const who = `task ${task.taskId}`;
    const embedded = await this.placement.embeddedAgent(image, who);
    const paths = mappings(task);
    const reportFile = this.options.reportFile?.replace(/^\/+/, '');
    // The agent writes the report into a folder that must exist.
    if (reportFile) mkdirSync(dirname(join(task.workspace, reportFile)), { recursive: true, mode: 0o777 });
    const contextJson = JSON.stringify(containerContext(task.context, paths, this.options.callbackHost));
    const delivery = await this.agentDelivery(image, who, embedded === undefined);
    const owner = contextOwner(this.options);
    const bindTask = delivery === 'bind' && owner !== null;
    // The attempt on this host, before its container exists: a resumed engine that finds this
    // folder and no container knows that nothing ran.
    this.stateDir();
    const taskDir = this.taskDir(task.taskId);
    taskDir.make(bindTask ? owner : undefined);
    if (bindTask) {
      // Written before the container exists, so that it is never started without its context.
      writeContextFile(contextFile(this.options, task.taskId), contextJson, owner);
      taskDir.markBound();
    }
    this.options.boundary?.('task-dir-made', task.taskId);
    const note = embedded ? embeddedNote(image, embedded) : undefined;
    const layout = containerLayout(this.options, task, {
      image,
      paths,
      bindAgent: delivery === 'bind' && !embedded,
      taskDir: bindTask ? taskDir.path : undefined,
      agent: embedded ? EMBEDDED_AGENT : CONTAINER_AGENT,
      note,
    });
    const id = await createNamedContainer(this.api, name, containerBody(this.options, task, layout), image, who).catch(
      async (error: unknown) => {
        if (error instanceof NameTaken) return null;
        throw error;
      },
    );
    if (id === null) {
      // Created before (an engine restarted, or create called twice): finish what it started.
      const hostAgent = () => findAgentPortableDir(this.options.agentDir);
      await completeEarlierCreate(this.api, task.taskId, contextJson, archiveOwner(this.options), hostAgent);
      return;
    }
    if (!bindTask) {
      const agentDir = delivery === 'copy' && !embedded ? findAgentPortableDir(this.options.agentDir) : undefined;
      try {
        await this.api.putArchive(id, '/', agentArchive(agentDir, contextJson, archiveOwner(this.options)));
      } catch (error) {
        await this.api.removeContainer(id);
        throw error;
      }
    }
    this.ids.set(task.taskId, id);
    this.fresh.add(task.taskId);
    if (note) this.notes.set(task.taskId, note);
    this.options.boundary?.('created', task.taskId);
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
    // From here on its action may have run: a container missing later was not never-started.
    this.taskDir(taskId).markStarting();
    this.options.boundary?.('starting', taskId);
    try {
      await this.api.startContainer(id);
      this.ids.set(taskId, id);
    } catch (error) {
      const tail = await outputTail(this.api, id, this.options.logTailLines ?? 20);
      const reason = error instanceof Error ? error.message : String(error);
      const hint =
        (this.options.agentDelivery ?? this.placement.delivery.answer) === 'bind'
          ? ' (the daemon must see the host folders it bind-mounts; agentDelivery "copy" does not need that for the agent)'
          : '';
      throw new Error(`task ${taskId}: the container could not start the agent: ${reason}${hint}${tail}`, {
        cause: error,
      });
    }
  }

  async status(taskId: string): Promise<TaskState> {
    const container = await findTaskContainer(this.api, taskId);
    if (!container) {
      // Never marked starting: its container was never started, so nothing of it ran.
      const neverStarted = !this.taskDir(taskId).wasStarted();
      return { phase: 'gone', message: `no container for task ${taskId}`, ...(neverStarted ? { neverStarted } : {}) };
    }
    return stateOf(this.api, container, this.options.logTailLines ?? 20);
  }

  /**
   * Resolves when the task has left `created`/`running`: Docker's blocking wait, on a connection
   * of its own (never polling, never holding up other calls).
   */
  async wait(taskId: string): Promise<TaskState> {
    // Started here: wait at once (it returns at once if the container has stopped already).
    const known = this.ids.get(taskId);
    if (known && !this.fresh.has(taskId)) {
      // A clean exit needs no inspect: only a failed one is explained (OOM, runtime error, output tail).
      if ((await this.api.waitContainer(known)) === 0) {
        this.backstops.disarm(taskId);
        return { phase: 'exited', exitCode: 0 };
      }
    }
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

  /** The report the agent wrote: in the bound task folder, else read from the container. */
  async readReport(taskId: string): Promise<AgentReport | undefined> {
    return readTaskReport(this.api, this.options, this.taskDir(taskId), taskId);
  }

  /** What the agent spooled: in the bound task folder, else copied out of the container. */
  takeSpool(taskId: string): Promise<SpoolSource | undefined> {
    return takeTaskSpool(this.api, this.options, this.taskDir(taskId), taskId);
  }

  /** The grace period the container's agent was given (its label). */
  async stopGraceSeconds(taskId: string): Promise<number | undefined> {
    const seconds = Number((await taskLabel(this.api, taskId, GRACE_LABEL)) ?? Number.NaN);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : this.options.graceSeconds;
  }

  /** Which agent ran the task, when it was the image's own. */
  async note(taskId: string): Promise<string | undefined> {
    if (this.ids.has(taskId)) return this.notes.get(taskId);
    const label = await taskLabel(this.api, taskId, AGENT_LABEL);
    return label && label !== 'host' ? label : undefined;
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
    this.notes.delete(taskId);
    rmSync(contextFile(this.options, taskId), { force: true });
    this.taskDir(taskId).remove();
  }

  async close(): Promise<void> {
    this.backstops.disarmAll();
    await this.api.close();
  }

  private taskDir(taskId: string): TaskDir {
    return new TaskDir(stateDirPath(this.options), taskId);
  }

  /** The state folder, made (private) on first use. */
  private stateDir(): string {
    this.stateDirReady ??= privateDir(stateDirPath(this.options));
    return this.stateDirReady;
  }
}

export function createDockerExecutor(options: DockerExecutorOptions = {}): DockerExecutor {
  return new DockerExecutor(options);
}
