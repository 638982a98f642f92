/**
 * The commands' client of `caravan server`: `--server URL` (env CARAVAN_SERVER) with the token in
 * CARAVAN_SERVER_TOKEN. The service's errors keep their meaning as exit codes: a request it cannot
 * take is a usage error (2), a run it cannot rerun a failure (1), an unreachable server or a refused
 * token unavailable (3).
 */
import { Flags } from '@oclif/core';
import { FailedError, UnavailableError, UsageError } from '../base-command.js';

export const serverFlag = {
  server: Flags.string({
    description:
      'talk to this caravan server instead of the local engine (env CARAVAN_SERVER; token CARAVAN_SERVER_TOKEN)',
    env: 'CARAVAN_SERVER',
    helpGroup: 'SERVER',
  }),
};

interface ErrorBody {
  error?: { code?: string; message?: string; hint?: string; problems?: string[] };
}

export interface SseEvent {
  event: string;
  data: unknown;
}

export class ServerClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new UnavailableError(`cannot reach caravan server at ${this.base}: ${(err as Error).message}`, {
        hint: 'check --server / CARAVAN_SERVER, and that `caravan server` runs there',
        cause: err,
      });
    }
  }

  private async fail(res: Response): Promise<never> {
    const body = (await res.json().catch(() => ({}))) as ErrorBody;
    const e = body.error ?? {};
    const message = [e.message ?? `caravan server answered ${res.status}`, ...(e.problems ?? [])].join('\n');
    const options = e.hint ? { hint: e.hint } : {};
    if (res.status === 401 || res.status === 403 || res.status >= 500)
      throw new UnavailableError(
        message,
        res.status === 401 && !this.token ? { hint: 'set CARAVAN_SERVER_TOKEN' } : options,
      );
    if (res.status === 409) throw new FailedError(message, options);
    throw new UsageError(message, options);
  }

  /** As `json`, but undefined when the server answers 404. */
  async jsonOrMissing<T>(method: string, path: string): Promise<T | undefined> {
    const res = await this.send(method, path);
    if (res.status === 404) return undefined;
    if (!res.ok) return this.fail(res);
    return (await res.json()) as T;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (!res.ok) return this.fail(res);
    return (await res.json()) as T;
  }

  /** The events of a Server-Sent Events answer, as they arrive, until the server ends the stream. */
  async *events(path: string): AsyncGenerator<SseEvent> {
    const res = await this.send('GET', path);
    if (!res.ok) return this.fail(res);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) yield { event, data: JSON.parse(data) as unknown };
      }
    }
  }
}

/** The client when a server is named, else undefined (the command works on the local engine). */
export function serverClient(flags: { server?: string | undefined }, env = process.env): ServerClient | undefined {
  const url = flags.server;
  if (!url) return undefined;
  if (!/^https?:\/\//.test(url))
    throw new UsageError(`--server "${url}" is not an http(s) URL`, {
      hint: 'for example --server http://127.0.0.1:8080',
    });
  return new ServerClient(url, env.CARAVAN_SERVER_TOKEN || undefined);
}
