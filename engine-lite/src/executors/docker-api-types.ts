/** The Docker API client's shapes (as far as the docker executor reads them) and its constants. */
import type { Readable } from 'node:stream';
export class DockerApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'DockerApiError';
  }
}

export interface ContainerCreateBody {
  Image: string;
  Cmd: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  Env?: string[];
  Labels?: Record<string, string>;
  StopSignal?: string;
  HostConfig?: {
    NetworkMode?: string;
    Binds?: string[];
    AutoRemove?: boolean;
  };
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  OOMKilled: boolean;
  ExitCode: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
}

export interface ContainerMount {
  Type?: string;
  Source?: string;
  Destination: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: { Labels?: Record<string, string> | null; Image?: string };
  Mounts?: ContainerMount[] | null;
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  State?: string;
  Labels?: Record<string, string> | null;
}

export interface DockerApiOptions {
  /** `unix:///path.sock` or `tcp://host:port`; default `DOCKER_HOST`, else `/var/run/docker.sock`. */
  host?: string;
  /** API version prefix; default `v1.41` (Docker 20.10 and Podman 4 serve it). */
  apiVersion?: string;
  /** Keep-alive connections for short calls (each blocking wait opens its own); default 16. */
  connections?: number;
}

/** A JSON body, or undefined when it is empty or not JSON. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** How one API call is made and which answers it accepts. */
export interface CallOptions {
  ok: number[];
  json?: unknown;
  body?: Readable;
  contentType?: string;
  /** On a connection of its own, with no time limit for the answer (unless `timeoutMs`). */
  blocking?: boolean;
  /** Gives up after this long (TimedOut). */
  timeoutMs?: number;
  /** Instead of the Docker API version prefix. */
  prefix?: string;
}

/** An answer the call did not accept, with the daemon's own message. */
export function apiFailure(method: string, path: string, status: number, body: Buffer): DockerApiError {
  const parsed = parseJson(body) as { message?: string } | undefined;
  const detail = parsed?.message ?? body.toString('utf8').slice(0, 500);
  return new DockerApiError(`Docker API ${method} ${path} failed with ${status}: ${detail}`, status);
}

export const LIBPOD_PREFIX = '/v4.0.0';
/**
 * How often Podman checks a waited-for container: often while it is young (most steps are short),
 * then less, then as Podman's compatible wait does. Each check costs the daemon CPU (about 0.5 ms
 * here), which the machine's other containers would rather have. (Attaching to the container
 * would tell of the exit without polling, but Podman re-initialises a container that has exited
 * when something attaches to it, so an attach that comes a moment late hangs.)
 */
export const PODMAN_WAIT_PHASES: { intervalMs: number; forMs?: number }[] = [
  { intervalMs: 20, forMs: 1500 },
  { intervalMs: 100, forMs: 5000 },
  { intervalMs: 250 },
];

export class TimedOut extends Error {}
