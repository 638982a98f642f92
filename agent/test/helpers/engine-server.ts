import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOG_RECORDS_TYPE, parseLogRecords, type LogBatch } from '@caravan/spec';

export interface Received {
  method: string;
  path: string;
  auth: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

/** A small real HTTP server playing the engine's callback API; `failNext` makes it answer 503. */
export class EngineServer {
  received: Received[] = [];
  failNext = 0;
  status = 200;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(503).end();
          return;
        }
        this.received.push({
          method: req.method!,
          path: req.url!,
          auth: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
        });
        res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/tasks/t1`;
  }

  /** The `/logs` batches received, JSON or log records, decoded as the engine does. */
  logBatches(): LogBatch[] {
    return this.received
      .filter((r) => r.path.endsWith('/logs'))
      .map((r) =>
        r.contentType === LOG_RECORDS_TYPE
          ? parseLogRecords(r.body)
          : (JSON.parse(r.body.toString('utf8')) as LogBatch),
      );
  }

  json<T>(route: string): T[] {
    return this.received.filter((r) => r.path.endsWith(route)).map((r) => JSON.parse(r.body.toString('utf8')) as T);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A URL on which nothing listens. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}/api/tasks/t1`;
}
