/**
 * A minimal Docker Engine API client over undici: only the container calls the docker executor
 * needs. Paths are version-prefixed (`/v1.41/...`), which Docker and Podman's compatible API both
 * serve.
 */
import type { Readable } from 'node:stream';
import { Client } from 'undici';
import { demuxDockerLogs } from './docker-logs.js';
import { parseDockerHost, type DockerEndpoint } from './docker-host.js';

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

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: { Labels?: Record<string, string> | null; Image?: string };
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
}

interface RawResponse {
  statusCode: number;
  body: Buffer;
}

export class DockerApi {
  readonly endpoint: DockerEndpoint;
  private readonly client: Client;
  private readonly prefix: string;

  constructor(options: DockerApiOptions = {}) {
    this.endpoint = parseDockerHost(options.host);
    this.prefix = `/${options.apiVersion ?? 'v1.41'}`;
    this.client = new Client(
      this.endpoint.origin,
      this.endpoint.socketPath ? { socketPath: this.endpoint.socketPath, bodyTimeout: 0 } : { bodyTimeout: 0 },
    );
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async ping(): Promise<void> {
    await this.call('GET', '/_ping', { ok: [200] });
  }

  /** False when the image is not present locally (nothing is pulled). */
  async imageExists(image: string): Promise<boolean> {
    const res = await this.call('GET', `/images/${encodeURIComponent(image)}/json`, { ok: [200, 404] });
    return res.statusCode === 200;
  }

  /** Creates a container; resolves to its id, or null when the name is already taken. */
  async createContainer(name: string, body: ContainerCreateBody): Promise<string | null> {
    const res = await this.call('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
      json: body,
      ok: [201, 409, 500],
    });
    const parsed = parseJson(res.body) as { Id?: string; message?: string } | undefined;
    if (res.statusCode === 201 && parsed?.Id) return parsed.Id;
    // Docker answers 409 to a name conflict, Podman 500 with "already in use".
    if (res.statusCode === 409 || /already in use/i.test(parsed?.message ?? '')) return null;
    throw this.failure('POST', '/containers/create', res);
  }

  /** Resolves to null when there is no such container. */
  async inspectContainer(idOrName: string): Promise<ContainerInspect | null> {
    const res = await this.call('GET', `/containers/${encodeURIComponent(idOrName)}/json`, { ok: [200, 404] });
    return res.statusCode === 404 ? null : (parseJson(res.body) as ContainerInspect);
  }

  async listContainersByLabel(label: string): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const res = await this.call('GET', `/containers/json?all=true&filters=${filters}`, { ok: [200] });
    return (parseJson(res.body) as ContainerSummary[] | undefined) ?? [];
  }

  /** Copies a tar stream into the container's filesystem, extracted at `path`. */
  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    await this.call('PUT', `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`, {
      body: tar,
      contentType: 'application/x-tar',
      ok: [200],
    });
  }

  /** Whether a path exists inside the container's filesystem. */
  async pathExists(id: string, path: string): Promise<boolean> {
    const res = await this.call(
      'HEAD',
      `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`,
      {
        ok: [200, 404],
      },
    );
    return res.statusCode === 200;
  }

  /** Starts a container; resolves to false when it was already started. */
  async startContainer(id: string): Promise<boolean> {
    const res = await this.call('POST', `/containers/${encodeURIComponent(id)}/start`, { ok: [204, 304] });
    return res.statusCode === 204;
  }

  /** Blocks until the container is not running; resolves to its exit code (null when it is gone). */
  async waitContainer(id: string): Promise<number | null> {
    const res = await this.call('POST', `/containers/${encodeURIComponent(id)}/wait?condition=not-running`, {
      ok: [200, 404],
      noTimeout: true,
    });
    if (res.statusCode === 404) return null;
    const parsed = parseJson(res.body) as { StatusCode?: number } | undefined;
    return typeof parsed?.StatusCode === 'number' ? parsed.StatusCode : null;
  }

  /** A tar of `path` inside the container; null when the path or the container does not exist. */
  async getArchive(id: string, path: string): Promise<Buffer | null> {
    const res = await this.call(
      'GET',
      `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`,
      { ok: [200, 404] },
    );
    return res.statusCode === 404 ? null : res.body;
  }

  /** Sends the stop signal, then SIGKILL after `graceSeconds`; a stopped or missing container is fine. */
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    await this.call('POST', `/containers/${encodeURIComponent(id)}/stop?t=${Math.max(0, Math.round(graceSeconds))}`, {
      ok: [204, 304, 404],
    });
  }

  async killContainer(id: string, signal: string): Promise<void> {
    await this.call('POST', `/containers/${encodeURIComponent(id)}/kill?signal=${encodeURIComponent(signal)}`, {
      ok: [204, 404, 409, 500],
    });
  }

  /** Removes a container and its anonymous volumes, stopping it first; a missing one is fine. */
  async removeContainer(id: string): Promise<void> {
    await this.call('DELETE', `/containers/${encodeURIComponent(id)}?force=true&v=true`, { ok: [200, 204, 404] });
  }

  /** The container's last output (stdout and stderr interleaved), empty when there is none. */
  async logsTail(id: string, lines: number): Promise<string> {
    const res = await this.call(
      'GET',
      `/containers/${encodeURIComponent(id)}/logs?stdout=true&stderr=true&tail=${lines}`,
      {
        ok: [200, 404],
      },
    );
    return res.statusCode === 200 ? demuxDockerLogs(res.body) : '';
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD',
    path: string,
    options: { ok: number[]; json?: unknown; body?: Readable; contentType?: string; noTimeout?: boolean },
  ): Promise<RawResponse> {
    const headers: Record<string, string> = {};
    let body: string | Readable | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.contentType) {
      headers['content-type'] = options.contentType;
    }
    let res: RawResponse;
    try {
      const response = await this.client.request({
        method,
        path: this.prefix + path,
        headers,
        body: body ?? null,
        ...(options.noTimeout ? { headersTimeout: 0 } : {}),
      });
      const data = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await response.body.arrayBuffer());
      if (method === 'HEAD') await response.body.dump();
      res = { statusCode: response.statusCode, body: data };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DockerApiError(
        `cannot reach the Docker API at ${this.endpoint.address} (${method} ${path}): ${reason}; ` +
          'start Docker (or `podman system service`) or point DOCKER_HOST at its socket',
        0,
      );
    }
    if (!options.ok.includes(res.statusCode)) throw this.failure(method, path.split('?')[0] ?? path, res);
    return res;
  }

  private failure(method: string, path: string, res: RawResponse): DockerApiError {
    const parsed = parseJson(res.body) as { message?: string } | undefined;
    const detail = parsed?.message ?? res.body.toString('utf8').slice(0, 500);
    return new DockerApiError(`Docker API ${method} ${path} failed with ${res.statusCode}: ${detail}`, res.statusCode);
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
