/**
 * The connections to the Docker API: short calls share a pool of keep-alive connections; a call
 * that blocks until something happens gets a connection of its own, closed when it returns, so
 * parallel steps never wait behind each other's long-polls and a cancel is never stuck behind a
 * wait. No answer is buffered past a limit: a container's output or archive is the action's to
 * make as large as it likes.
 */
import type { Readable } from 'node:stream';
import { Client, Pool } from 'undici';
import { DockerApiError, TimedOut, apiFailure, type CallOptions } from './docker-api-types.js';
import { declaredOver, discard, readAtMost } from './docker-bounded-body.js';
import type { DockerEndpoint } from './docker-host.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

export interface RawResponse {
  statusCode: number;
  body: Buffer;
}

export interface StreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** Unread: the caller reads it within its own limit, or destroys it. */
  body: Readable;
}

/** An answer buffered whole (inspect, list, wait): far more than any of them holds. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** The daemon's message on a refused call: enough of it to say why. */
const MAX_ERROR_BYTES = 64 * 1024;

type Dispatcher = Pick<Client, 'request'>;

export class DockerTransport {
  private readonly pool: Pool;
  /** Connections opened for one blocking call each, destroyed on close. */
  private readonly dedicated = new Set<Client>();
  private closed = false;

  constructor(
    readonly endpoint: DockerEndpoint,
    /** Put before each path: the API version (`/v1.41`). */
    private readonly prefix: string,
    connections: number,
  ) {
    this.pool = new Pool(endpoint.origin, { ...this.connectOptions(), connections: Math.max(1, connections) });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.dedicated].map((client) => client.destroy()));
    await this.pool.close();
  }

  /**
   * One call, its answer buffered: at most `maxBytes` (default MAX_ANSWER_BYTES) of it; past that
   * it fails, or with `truncate` keeps the first `maxBytes`.
   */
  async call(
    method: Method,
    path: string,
    options: CallOptions & { maxBytes?: number; truncate?: boolean },
  ): Promise<RawResponse> {
    const dedicated = options.blocking ? this.openDedicated() : undefined;
    const maxBytes = options.maxBytes ?? MAX_ANSWER_BYTES;
    const signal = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
    let res: RawResponse;
    try {
      const response = await this.send(dedicated ?? this.pool, method, path, options, signal);
      if (method === 'HEAD') {
        await response.body.dump();
        res = { statusCode: response.statusCode, body: Buffer.alloc(0) };
      } else {
        const read = declaredOver(response.headers, maxBytes)
          ? { data: Buffer.alloc(0), over: true }
          : await this.guard(method, path, signal, () => readAtMost(response.body, maxBytes));
        if (read.over) discard(response.body);
        if (read.over && !options.truncate) {
          throw new DockerApiError(
            `Docker API ${method} ${path.split('?')[0] ?? path}: the answer is larger than ${maxBytes} bytes, more than the engine reads of it`,
            response.statusCode,
          );
        }
        res = { statusCode: response.statusCode, body: read.data };
      }
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

  /** One call on the shared pool whose accepted answer is left unread for the caller. */
  async open(method: Method, path: string, options: CallOptions): Promise<StreamResponse> {
    const response = await this.send(this.pool, method, path, options, undefined);
    if (!options.ok.includes(response.statusCode)) {
      const { data } = await this.guard(method, path, undefined, () => readAtMost(response.body, MAX_ERROR_BYTES));
      throw apiFailure(method, path.split('?')[0] ?? path, response.statusCode, data);
    }
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  }

  /** The answer's head; a failure to reach the daemon (or a time limit) is said as such. */
  private async send(
    dispatcher: Dispatcher,
    method: Method,
    path: string,
    options: CallOptions,
    signal: AbortSignal | undefined,
  ): Promise<Awaited<ReturnType<Dispatcher['request']>>> {
    const headers: Record<string, string> = {};
    let body: string | Readable | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.contentType) {
      headers['content-type'] = options.contentType;
    }
    return this.guard(method, path, signal, () =>
      dispatcher.request({
        method,
        path: (options.prefix ?? this.prefix) + path,
        headers,
        body: body ?? null,
        ...(options.blocking ? { headersTimeout: 0 } : {}),
        ...(signal ? { signal } : {}),
      }),
    );
  }

  /** Runs `io`, turning a transport failure into a DockerApiError that says how to fix it. */
  private async guard<T>(
    method: Method,
    path: string,
    signal: AbortSignal | undefined,
    io: () => Promise<T>,
  ): Promise<T> {
    try {
      return await io();
    } catch (error) {
      if (error instanceof DockerApiError) throw error;
      if (this.closed) throw new DockerApiError(`the Docker API client was closed (${method} ${path})`, 0);
      if (signal?.aborted) throw new TimedOut();
      const reason = error instanceof Error ? error.message : String(error);
      throw new DockerApiError(
        `cannot reach the Docker API at ${this.endpoint.address} (${method} ${path}): ${reason}; ` +
          'start Docker (or `podman system service`) or point DOCKER_HOST at its socket',
        0,
      );
    }
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
