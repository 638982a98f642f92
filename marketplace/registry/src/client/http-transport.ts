import { Agent, request } from 'undici';
import { RegistryError, RegistryHttpError, RegistryTimeoutError, RegistryUnreachableError } from './client-errors.js';
import { redactUrl } from './redact.js';

export interface TransportOptions {
  url: string;
  token?: string;
  /** Bound on waiting for response headers and between body chunks. */
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface HttpRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path below the registry's base URL, starting with `/v1/`. */
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  body?: Buffer;
  headers?: Record<string, string>;
  /** Larger responses are cut off with an error. */
  maxBytes?: number;
  /** Statuses returned to the caller instead of thrown (besides 2xx). */
  accept?: number[];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** A kept-alive socket closed by the server between requests: safe to retry an idempotent request once. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

function errorCode(err: unknown): string | undefined {
  const own = (err as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

function printable(text: string): string {
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Turns a 4xx/5xx answer into a `RegistryError` carrying the server's code, message and hint. */
function serverError(status: number, body: Buffer, what: string, base: string): RegistryError {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      error?: { code?: unknown; message?: unknown; hint?: unknown };
    };
    const e = parsed.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      return new RegistryHttpError(status, e.code, e.message, typeof e.hint === 'string' ? e.hint : undefined);
    }
  } catch {
    // not JSON: described below
  }
  const snippet = printable(body.toString('utf8'));
  return new RegistryHttpError(
    status,
    `http-${status}`,
    `the registry at ${base} answered ${what} with HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
    status >= 500
      ? 'the registry failed; try again later or ask its operators'
      : 'check that CARAVAN_REGISTRY points at a Caravan registry',
  );
}

/** One keep-alive connection pool to one registry, with bounded timeouts and clear errors. */
export class HttpTransport {
  private readonly agent: Agent;
  private readonly base: URL;
  readonly displayUrl: string;

  constructor(private readonly options: TransportOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new Error(
        `registry URL "${printable(options.url)}" is not a valid URL; set CARAVAN_REGISTRY to e.g. http://127.0.0.1:7700`,
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`registry URL "${redactUrl(options.url)}" must start with http:// or https://`);
    }
    this.base = base;
    this.displayUrl = redactUrl(options.url);
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 32,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  url(path: string, query?: Record<string, string | undefined>): URL {
    const u = new URL(this.base.toString());
    u.pathname = `${this.base.pathname.replace(/\/+$/, '')}${path}`;
    u.search = '';
    u.username = '';
    u.password = '';
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.method === 'GET';
    try {
      return await this.once(req);
    } catch (err) {
      if (idempotent && STALE_SOCKET.has(errorCode(err) ?? '')) return this.once(req);
      throw err;
    }
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    const what = `${req.method} ${req.path}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'caravan-registry-client',
      ...req.headers,
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let body: Buffer | string | undefined = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(this.url(req.path, req.query), { method: req.method, headers, body, dispatcher: this.agent });
    } catch (err) {
      throw this.networkError(err, what);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const max = req.maxBytes ?? DEFAULT_MAX_BYTES;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > max) {
          res.body.destroy();
          throw new RegistryHttpError(
            res.statusCode,
            'response-too-large',
            `the registry at ${this.displayUrl} sent more than ${max} bytes for ${what}`,
            'check that CARAVAN_REGISTRY points at a Caravan registry',
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw this.networkError(err, what);
    }
    const response: HttpResponse = { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
    if (res.statusCode >= 400 && !req.accept?.includes(res.statusCode))
      throw serverError(res.statusCode, response.body, what, this.displayUrl);
    return response;
  }

  private networkError(err: unknown, what: string): Error {
    const code = errorCode(err);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new RegistryTimeoutError(this.displayUrl, what, this.options.timeoutMs);
    }
    const message = err instanceof Error ? printable(err.message) : 'unknown error';
    if (code && UNREACHABLE.has(code))
      return new RegistryUnreachableError(
        this.displayUrl,
        code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timed out' : code,
        err,
      );
    return new RegistryUnreachableError(this.displayUrl, `${code ?? 'network error'} during ${what}: ${message}`, err);
  }

  private closed = false;

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.close();
  }
}
