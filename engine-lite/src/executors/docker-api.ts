/**
 * A minimal Docker Engine API client over undici: only the container calls the docker executor
 * needs. Paths are version-prefixed (`/v1.41/...`), which Docker and Podman's compatible API both
 * serve. Connections and the limits on answers: docker-transport.ts.
 */
import type { Readable } from 'node:stream';
import { ArchiveTooLarge, declaredOver, discard, limitBody, type ArchiveLimit } from './docker-bounded-body.js';
import { demuxDockerLogs } from './docker-logs.js';
import { parseDockerHost, type DockerEndpoint } from './docker-host.js';
import { DockerTransport } from './docker-transport.js';
import {
  apiFailure,
  DockerApiError,
  LIBPOD_PREFIX,
  PODMAN_WAIT_PHASES,
  TimedOut,
  parseJson,
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
export { ArchiveTooLarge, type ArchiveLimit } from './docker-bounded-body.js';

/** What `logsTail` reads at most: its lines end up in a step's error message. */
const MAX_TAIL_BYTES = 256 * 1024;

export class DockerApi {
  readonly endpoint: DockerEndpoint;
  private readonly transport: DockerTransport;
  private podman?: Promise<boolean>;

  constructor(options: DockerApiOptions = {}) {
    this.endpoint = parseDockerHost(options.host);
    this.transport = new DockerTransport(this.endpoint, `/${options.apiVersion ?? 'v1.41'}`, options.connections ?? 16);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  async ping(): Promise<void> {
    await this.transport.call('GET', '/_ping', { ok: [200] });
  }

  /** False when the image is not present locally (nothing is pulled). */
  async imageExists(image: string): Promise<boolean> {
    const res = await this.transport.call('GET', `/images/${encodeURIComponent(image)}/json`, { ok: [200, 404] });
    return res.statusCode === 200;
  }

  /** Creates a container; resolves to its id, or null when the name is already taken. */
  async createContainer(name: string, body: ContainerCreateBody): Promise<string | null> {
    const res = await this.transport.call('POST', `/containers/create?name=${encodeURIComponent(name)}`, {
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
    const res = await this.transport.call('GET', `/containers/${encodeURIComponent(idOrName)}/json`, {
      ok: [200, 404],
    });
    return res.statusCode === 404 ? null : (parseJson(res.body) as ContainerInspect);
  }

  async listContainersByLabel(label: string): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const res = await this.transport.call('GET', `/containers/json?all=true&filters=${filters}`, { ok: [200] });
    return (parseJson(res.body) as ContainerSummary[] | undefined) ?? [];
  }

  /** Copies a tar stream into the container's filesystem, extracted at `path`. */
  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    await this.transport.call('PUT', `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`, {
      body: tar,
      contentType: 'application/x-tar',
      ok: [200],
    });
  }

  /** Whether a path exists inside the container's filesystem. */
  async pathExists(id: string, path: string): Promise<boolean> {
    const res = await this.transport.call(
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
    const res = await this.transport.call('POST', `/containers/${encodeURIComponent(id)}/start`, { ok: [204, 304] });
    return res.statusCode === 204;
  }

  /** Whether the daemon is Podman (its `/version` names a `Podman Engine` component); asked once. */
  isPodman(): Promise<boolean> {
    this.podman ??= this.transport.call('GET', '/version', { ok: [200] }).then(
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
    const res = await this.transport.call('POST', `/containers/${encodeURIComponent(id)}/wait?condition=not-running`, {
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
    const res = await this.transport
      .call('POST', `/libpod/containers/${encodeURIComponent(id)}/wait?${query}`, {
        ok: [200, 404],
        blocking: true,
        prefix: LIBPOD_PREFIX,
        ...(phase.forMs !== undefined ? { timeoutMs: phase.forMs } : {}),
      })
      .catch((error: unknown): 'running' => {
        if (error instanceof TimedOut) return 'running';
        throw error;
      });
    if (res === 'running') return res;
    if (res.statusCode === 404) return null;
    const code = Number.parseInt(res.body.toString('utf8').trim(), 10);
    return Number.isNaN(code) ? null : code;
  }

  /**
   * The tar of `path` inside the container, read as it arrives and never past `limit.maxBytes`
   * (then ArchiveTooLarge, the connection closed); null when the path or the container does not exist.
   */
  async openArchive(id: string, path: string, limit: ArchiveLimit): Promise<AsyncIterable<Buffer> | null> {
    const res = await this.transport.open(
      'GET',
      `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`,
      { ok: [200, 404] },
    );
    const tooLarge = (): ArchiveTooLarge => new ArchiveTooLarge(limit, path, id);
    if (res.statusCode === 404 || declaredOver(res.headers, limit.maxBytes)) {
      discard(res.body);
      if (res.statusCode === 404) return null;
      throw tooLarge();
    }
    return limitBody(res.body, limit.maxBytes, tooLarge);
  }

  /** As openArchive, the whole (bounded) tar in memory: for a reader of one small file. */
  async getArchive(id: string, path: string, limit: ArchiveLimit): Promise<Buffer | null> {
    const archive = await this.openArchive(id, path, limit);
    if (!archive) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Sends the stop signal, then SIGKILL after `graceSeconds`; a stopped or missing container is fine. */
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    await this.transport.call(
      'POST',
      `/containers/${encodeURIComponent(id)}/stop?t=${Math.max(0, Math.round(graceSeconds))}`,
      {
        ok: [204, 304, 404],
      },
    );
  }

  /** Sends a signal to the container's main process; a stopped or missing container is fine. */
  async killContainer(id: string, signal: string): Promise<void> {
    await this.transport.call(
      'POST',
      `/containers/${encodeURIComponent(id)}/kill?signal=${encodeURIComponent(signal)}`,
      {
        ok: [204, 404, 409, 500],
      },
    );
  }

  /** Removes a container and its anonymous volumes, stopping it first; a missing one is fine. */
  async removeContainer(id: string): Promise<void> {
    await this.transport.call('DELETE', `/containers/${encodeURIComponent(id)}?force=true&v=true`, {
      ok: [200, 204, 404],
    });
  }

  /**
   * The container's last output (stdout and stderr interleaved), empty when there is none; of very
   * long lines only the first MAX_TAIL_BYTES are read.
   */
  async logsTail(id: string, lines: number): Promise<string> {
    const res = await this.transport.call(
      'GET',
      `/containers/${encodeURIComponent(id)}/logs?stdout=true&stderr=true&tail=${lines}`,
      { ok: [200, 404], maxBytes: MAX_TAIL_BYTES, truncate: true },
    );
    return res.statusCode === 200 ? demuxDockerLogs(res.body) : '';
  }
}
