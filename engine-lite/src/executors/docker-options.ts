/** The docker executor's options, names and constants, shared by its parts. */
import { createHash } from 'node:crypto';
import type { AgentDelivery } from './docker-delivery.js';
import type { AgentSource } from './docker-embedded-agent.js';

/**
 * Points inside the executor where a fault-injection seam may stop it: the task folder made (the
 * container not created), the container created (not marked starting), marked starting (not started).
 */
export type DockerBoundary = 'task-dir-made' | 'created' | 'starting';

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
   * Which agent runs the action: `embedded`, the image's own (`/caravan/caravan-agent` with its
   * manifest `/caravan/agent.json`), refused without one; `host`, the engine's portable agent
   * (`agentDir`), bound or copied in; `auto` (default): the image's when it has one. An embedded
   * agent of another protocol than the engine's is refused, with how to rebuild the image.
   */
  agent?: AgentSource;
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
  /** Fault injection (tests): called at each boundary; what it throws stops the executor there. */
  boundary?(point: DockerBoundary, taskId: string): void;
}

export const TASK_LABEL = 'caravan.task';
/** The grace period the container's agent was given, for a cancel by another process. */
export const GRACE_LABEL = 'caravan.grace';
export const RUN_LABEL = 'caravan.run';

/** Env entries holding host folders shared with every step; mounted at the same path. */
export const SHARED_DIR_ENV = ['CARAVAN_CACHE_DIR', 'CARAVAN_ARTIFACTS_DIR', 'CARAVAN_APPROVALS_DIR'];

/** Exit codes of a shell that could not run the command (permission denied, not found). */
export const COULD_NOT_START = new Set([126, 127]);
export const CONTAINER_REPORT_FILE = '/caravan/report.json';
/** Milliseconds between status checks while a container is created but not yet running. */
export const PENDING_POLL_MS = 200;
/**
 * After a cancel, how long past the grace period the container may still run before it gets
 * SIGKILL: the agent kills the action's group at the end of the grace period itself and needs a
 * moment to send its report.
 */
export const KILL_SLACK_MS = 2000;

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
