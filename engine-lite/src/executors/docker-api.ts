/**
 * A minimal Docker Engine API client over undici: only the container calls the docker executor
 * needs. Paths are version-prefixed (`/v1.41/...`), which Docker and Podman's compatible API both
 * serve.
 *
 * Short calls share a pool of keep-alive connections; a call that blocks until something happens
 * (`waitContainer`) gets a connection of its own, closed when it returns, so parallel steps never
 * wait behind each other's long-polls and a cancel is never stuck behind a wait.
 */
import type { Readable } from 'node:stream';
import { Client, Pool } from 'undici';
import { demuxDockerLogs } from './docker-logs.js';
import { parseDockerHost, type DockerEndpoint } from './docker-host.js';
import {
  apiFailure,
  DockerApiError,
  LIBPOD_PREFIX,
  PODMAN_WAIT_PHASES,
  TimedOut,
  parseJson,
  type CallOptions,
  type ContainerCreateBody,
  type ContainerInspect,
  type ContainerSummary,
  type DockerApiOptions,
} from './docker-api-types.js';

export {
  DockerApiError,
  type ContainerCreateBody,
  type ContainerInspect,
  type ContainerMount,
  type ContainerState,
  type ContainerSummary,
  type DockerApiOptions,
} from './docker-api-types.js';

interface RawResponse {
  statusCode: number;
  body: Buffer;
}

type Dispatcher = Pick<Client, 'request'>;

/** Podman's own API (Podman 4 and later), for its wait with a polling interval. */
export class DockerApi {
  readonly endpoint: DockerEndpoint;
  private readonly pool: Pool;
  private readonly prefix: string;
  /** Connections opened for one blocking call each, destroyed on close. */
  private readonly dedicated = new Set<Client>();
  private closed = false;
  private podman?: Promise<boolean>;

  constructor(options: DockerApiOptions = {}) {
    this.endpoint = parseDockerHost(options.host);
    this.prefix = `/${options.apiVersion ?? 'v1.41'}`;
    this.pool = new Pool(this.endpoint.origin, {
      ...this.connectOptions(),
      connections: Math.max(1, options.connections ?? 16),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.dedicated].map((client) => client.destroy()));
    await this.pool.close();
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
    throw apiFailure('POST', '/containers/create', res.statusCode, res.body);
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

  /** Whether the daemon is Podman (its `/version` names a `Podman Engine` component); asked once. */
  isPodman(): Promise<boolean> {
    this.podman ??= this.call('GET', '/version', { ok: [200] }).then(
      (res) => {
        const version = parseJson(res.body) as { Components?: { Name?: string }[] } | undefined;
        return (version?.Components ?? []).some((component) => /podman/i.test(component.Name ?? ''));
      },
      () => {
        this.podman = undefined; // not an answer: ask again next time
        return false;
      },
    );
    return this.podman;
  }

  /**
   * Blocks until the container is not running, on a connection of its own; resolves to its exit
   * code (null when it is gone). Docker's wait is told of the exit; Podman's compatible wait polls
   * the container every 250 ms, so on Podman its own wait is used, polling every 20 ms at first
   * and less often as the container ages (PODMAN_WAIT_PHASES).
   */
  async waitContainer(id: string): Promise<number | null> {
    if (await this.isPodman()) {
      for (const phase of PODMAN_WAIT_PHASES) {
        const code = await this.podmanWait(id, phase).catch((error: unknown): 'refused' => {
          // A refusal (an older Podman without these conditions): Docker's form below.
          if (error instanceof DockerApiError && error.statusCode > 0) return 'refused';
          throw error;
        });
        if (code === 'refused') break;
        if (code !== 'running') return code;
      }
    }
    const res = await this.call('POST', `/containers/${encodeURIComponent(id)}/wait?condition=not-running`, {
      ok: [200, 404],
      blocking: true,
    });
    if (res.statusCode === 404) return null;
    const parsed = parseJson(res.body) as { StatusCode?: number } | undefined;
    return typeof parsed?.StatusCode === 'number' ? parsed.StatusCode : null;
  }

  private async podmanWait(
    id: string,
    phase: { intervalMs: number; forMs?: number },
  ): Promise<number | null | 'running'> {
    const query = `condition=stopped&condition=exited&interval=${phase.intervalMs}ms`;
    const res = await this.call('POST', `/libpod/containers/${encodeURIComponent(id)}/wait?${query}`, {
      ok: [200, 404],
      blocking: true,
      prefix: LIBPOD_PREFIX,
      ...(phase.forMs !== undefined ? { timeoutMs: phase.forMs } : {}),
    }).catch((error: unknown): 'running' => {
      if (error instanceof TimedOut) return 'running';
      throw error;
    });
    if (res === 'running') return res;
    if (res.statusCode === 404) return null;
    const code = Number.parseInt(res.body.toString('utf8').trim(), 10);
    return Number.isNaN(code) ? null : code;
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

  /** Sends a signal to the container's main process; a stopped or missing container is fine. */
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
    options: CallOptions,
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
    const dedicated = options.blocking ? this.openDedicated() : undefined;
    const dispatcher: Dispatcher = dedicated ?? this.pool;
    const signal = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
    try {
      const response = await dispatcher.request({
        method,
        path: (options.prefix ?? this.prefix) + path,
        headers,
        body: body ?? null,
        ...(options.blocking ? { headersTimeout: 0 } : {}),
        ...(signal ? { signal } : {}),
      });
      const data = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await response.body.arrayBuffer());
      if (method === 'HEAD') await response.body.dump();
      res = { statusCode: response.statusCode, body: data };
    } catch (error) {
      if (this.closed) throw new DockerApiError(`the Docker API client was closed (${method} ${path})`, 0);
      if (signal?.aborted) throw new TimedOut();
      const reason = error instanceof Error ? error.message : String(error);
      throw new DockerApiError(
        `cannot reach the Docker API at ${this.endpoint.address} (${method} ${path}): ${reason}; ` +
          'start Docker (or `podman system service`) or point DOCKER_HOST at its socket',
        0,
      );
    } finally {
      if (dedicated) {
        this.dedicated.delete(dedicated);
        dedicated.destroy().catch(() => undefined);
      }
    }
    if (!options.ok.includes(res.statusCode))
      throw apiFailure(method, path.split('?')[0] ?? path, res.statusCode, res.body);
    return res;
  }

  private connectOptions(): { socketPath?: string; bodyTimeout: number } {
    return this.endpoint.socketPath ? { socketPath: this.endpoint.socketPath, bodyTimeout: 0 } : { bodyTimeout: 0 };
  }

  private openDedicated(): Client {
    if (this.closed) throw new DockerApiError('the Docker API client was closed', 0);
    const client = new Client(this.endpoint.origin, this.connectOptions());
    this.dedicated.add(client);
    return client;
  }
}
