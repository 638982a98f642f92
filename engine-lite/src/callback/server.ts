/**
 * The engine's callback API, where agents send logs, events, files and their final report:
 *   POST      /api/tasks/<taskId>/logs | events | report   (JSON; logs also as log records)
 *   PUT|POST  /api/tasks/<taskId>/files/<name>             (tar)
 * Every request needs `Authorization: Bearer <token>` with the token granted to that task; a token
 * is valid only for its own task and only until the task is revoked (when its attempt ends).
 * Missing/malformed credentials are 401, a wrong or expired token 403; errors are JSON bodies.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { LOG_RECORDS_TYPE, type AgentReport, type Callback, type EventBatch, type LogBatch } from '@caravan/spec';
import { BadBody, jsonOf, parseEventBatch, parseLogBody, parseReport } from './validate.js';

export interface TaskGrant {
  taskId: string;
  runId: string;
  stepId: string;
  /** sha256 hex of the task's token: a grant taken over from a stopped engine knows only this. */
  tokenSha256: string;
}

export interface CallbackHandlers {
  /** Returns false when the batch was a duplicate (same seq) and was ignored. */
  logs(grant: TaskGrant, batch: LogBatch): Promise<boolean>;
  events(grant: TaskGrant, batch: EventBatch): Promise<void>;
  file(grant: TaskGrant, name: string, body: Readable): Promise<void>;
  report(grant: TaskGrant, report: AgentReport): Promise<void>;
}

export interface CallbackServerOptions {
  /** Default 127.0.0.1: only processes of this machine can reach it. */
  host?: string;
  port?: number;
  /** Host name put in callback URLs when it differs from the listening address (e.g. containers). */
  advertiseHost?: string;
  maxJsonBytes?: number;
  maxFileBytes?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the run loop needs of the callback server: a grant per task attempt. */
export interface CallbackGrants {
  /** The port agents report to; recorded with each grant so a resumed engine can listen on it again. */
  readonly port: number;
  grant(taskId: string, runId: string, stepId: string): Callback & { tokenSha256: string };
  regrant(grant: TaskGrant, port: number): Promise<boolean>;
  revoke(taskId: string): void;
}

const ROUTE = /^\/api\/tasks\/([A-Za-z0-9._-]+)\/(logs|events|report|files\/([A-Za-z0-9._-]+))$/;
/** The rule for a declared file's name in action.yml: no `.` or `..`, nothing a path could climb with. */
const FILE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export class CallbackServer implements CallbackGrants {
  private server: Server | undefined;
  /** Ports of stopped engines, listened on again for the tasks taken over from them. */
  private readonly extra = new Map<number, Server>();
  private readonly grants = new Map<string, TaskGrant>();
  private baseUrl = '';

  constructor(
    private readonly handlers: CallbackHandlers,
    private readonly opts: CallbackServerOptions = {},
  ) {}

  async listen(): Promise<void> {
    const server = await this.serve(this.opts.port ?? 0);
    this.server = server;
    const { port } = server.address() as AddressInfo;
    const host = this.opts.host ?? '127.0.0.1';
    const advertised = this.opts.advertiseHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
    this.baseUrl = `http://${advertised.includes(':') ? `[${advertised}]` : advertised}:${port}`;
  }

  get url(): string {
    return this.baseUrl;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** A fresh token for one task attempt. */
  grant(taskId: string, runId: string, stepId: string): Callback & { tokenSha256: string } {
    // Two v4 UUIDs: 244 random bits from the runtime's pooled CSPRNG (randomBytes per task is slower).
    const token = `${randomUUID()}${randomUUID()}`.replaceAll('-', '');
    const tokenSha256 = sha256(token);
    this.grants.set(taskId, { taskId, runId, stepId, tokenSha256 });
    return { url: `${this.baseUrl}/api/tasks/${taskId}`, token, logTypes: [LOG_RECORDS_TYPE], tokenSha256 };
  }

  /**
   * Takes over a task a stopped engine granted: its token (known by hash) is valid again, and its
   * old port is listened on when free, so the agent's retries and spooled logs arrive here.
   * Returns whether that port could be had (false: the agent's logs stay in its spool).
   */
  async regrant(grant: TaskGrant, port: number): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(grant.tokenSha256))
      throw new Error(`task ${grant.taskId}: the recorded token digest is not a sha256`);
    this.grants.set(grant.taskId, grant);
    if (port === this.port || this.extra.has(port)) return true;
    try {
      this.extra.set(port, await this.serve(port));
      return true;
    } catch {
      return false;
    }
  }

  revoke(taskId: string): void {
    this.grants.delete(taskId);
  }

  async close(): Promise<void> {
    const servers = [...(this.server ? [this.server] : []), ...this.extra.values()];
    this.server = undefined;
    this.extra.clear();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private async serve(port: number): Promise<Server> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    return server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const m = ROUTE.exec(path);
      if (!m)
        throw new HttpError(
          404,
          `no such route ${req.method} ${path}; routes are /api/tasks/<taskId>/{logs,events,report,files/<name>}`,
        );
      const [, taskId, route, fileName] = m as unknown as [string, string, string, string | undefined];
      const grant = this.authorize(req, taskId);
      if (fileName !== undefined) {
        if (req.method !== 'PUT' && req.method !== 'POST') throw new HttpError(405, 'files are sent with PUT or POST');
        if (!FILE_NAME.test(fileName))
          throw new HttpError(
            400,
            `"${fileName}" is not a file name an action can declare: a letter or _ first, then letters, digits, _ . -`,
          );
        await this.handlers.file(grant, fileName, req);
        return send(res, 200, { ok: true });
      }
      if (req.method !== 'POST') throw new HttpError(405, `${route} is sent with POST`);
      const raw = await readBody(req, this.opts.maxJsonBytes ?? 16 * 1024 * 1024);
      if (route === 'logs') {
        const fresh = await this.handlers.logs(grant, parseLogBody(req.headers['content-type'], raw));
        return send(res, 200, fresh ? { ok: true } : { ok: true, duplicate: true });
      }
      const body = jsonOf(raw);
      if (route === 'events') {
        await this.handlers.events(grant, parseEventBatch(body));
        return send(res, 200, { ok: true });
      }
      await this.handlers.report(grant, parseReport(body));
      return send(res, 200, { ok: true });
    } catch (err) {
      if (err instanceof HttpError) return send(res, err.status, { error: err.message });
      if (err instanceof BadBody) return send(res, 400, { error: `invalid body: ${err.message}` });
      return send(res, 500, { error: `callback failed: ${(err as Error).message}` });
    }
  }

  private authorize(req: IncomingMessage, taskId: string): TaskGrant {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
    if (!m) {
      req.resume();
      throw new HttpError(401, 'missing or malformed Authorization header: send "Authorization: Bearer <task token>"');
    }
    const grant = this.grants.get(taskId);
    if (!grant || !timingSafeEqual(Buffer.from(sha256(m[1]!), 'hex'), Buffer.from(grant.tokenSha256, 'hex'))) {
      req.resume();
      throw new HttpError(403, `token not valid for task ${taskId} (wrong task, or the task is no longer running)`);
    }
    return grant;
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Past the limit the rest is read and dropped (so the client sees the 413, not a reset),
    // up to 4× the limit; then the connection is cut.
    if (size > max * 4) req.destroy();
    if (size <= max) chunks.push(chunk);
  }
  if (size > max) throw new HttpError(413, `body larger than ${max} bytes: send logs in smaller batches`);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
