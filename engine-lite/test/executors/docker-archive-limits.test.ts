/**
 * The Docker API client's limits on what it reads, against a fake daemon on a unix socket that
 * answers as a hostile container's archive would: without end, or announcing too much.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveTooLarge, DockerApi, DockerApiError } from '../../src/executors/docker-api.js';
import { REPORT_READ, jsonFromArchive, reportFromArchive } from '../../src/executors/docker-report.js';
import { TarballError } from '@caravan/registry';

const MiB = 1024 * 1024;
const LIMIT = { maxBytes: 1 * MiB, what: 'the test file', remedy: 'keep it small' };

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** What the fake daemon sent of an endless answer before the client hung up. */
interface Served {
  bytes: number;
  closedEarly: Promise<boolean>;
}

/** Writes `prefix`, then `fill` bytes (up to 256 MiB, with backpressure) until the client hangs up. */
function endless(
  served: Served[],
  headers: Record<string, string> = {},
  prefix: Uint8Array = Buffer.alloc(0),
  fill = 0,
): Route {
  return (_req, res) => {
    const record: Served = { bytes: 0, closedEarly: Promise.resolve(false) };
    record.closedEarly = new Promise((resolve) => {
      res.on('close', () => resolve(!res.writableFinished));
    });
    served.push(record);
    res.writeHead(200, { 'content-type': 'application/x-tar', ...headers });
    res.write(prefix);
    const chunk = Buffer.alloc(64 * 1024, fill);
    const pump = (): void => {
      while (record.bytes < 256 * MiB && !res.destroyed) {
        record.bytes += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };
}

async function tarOf(entries: { name: string; body?: string; type?: 'directory' }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { name, body, type } of entries) pack.entry(type ? { name, type } : { name }, body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

let dir: string;
let server: Server;
let api: DockerApi;
const routes = new Map<string, Route>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caravan-docker-limits-'));
  const socket = join(dir, 'docker.sock');
  server = createServer((req, res) => {
    const route = routes.get((req.url ?? '').split('?')[0] ?? '');
    if (route) return route(req, res);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such container"}');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  api = new DockerApi({ host: `unix://${socket}` });
});

afterEach(() => routes.clear());

afterAll(async () => {
  await api.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('DockerApi: archives read within a limit', () => {
  it('stops reading an endless archive past its limit, closes the connection and says what to do', async () => {
    const served: Served[] = [];
    routes.set('/v1.41/containers/c0ffee/archive', endless(served));
    const error = await api.getArchive('c0ffee', '/caravan/task/report.json', LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveTooLarge);
    expect((error as Error).message).toBe(
      'the test file (/caravan/task/report.json in container c0ffee) is larger than 1 MiB, the most the engine reads of it; reading stopped there: keep it small',
    );
    expect(await served[0]?.closedEarly).toBe(true);
    // What socket buffers took in before the hang-up, not the 256 MiB on offer.
    expect(served[0]?.bytes).toBeLessThan(64 * MiB);
  });

  it('refuses an archive whose announced length is over the limit before reading it', async () => {
    const served: Served[] = [];
    routes.set('/v1.41/containers/big/archive', endless(served, { 'content-length': String(256 * MiB) }));
    await expect(api.getArchive('big', '/x', LIMIT)).rejects.toThrow(ArchiveTooLarge);
    expect(await served[0]?.closedEarly).toBe(true);
  });

  it('reads an archive within the limit, and answers null for a missing path', async () => {
    const small = await tarOf([{ name: 'agent.json', body: '{"ok":true}' }]);
    routes.set('/v1.41/containers/small/archive', (_req, res) => res.writeHead(200).end(small));
    expect(await api.getArchive('small', '/caravan/agent.json', LIMIT)).toEqual(small);
    expect(await api.getArchive('gone', '/caravan/agent.json', LIMIT)).toBeNull();
  });

  it('says the daemon refused, with its message, when the archive call fails', async () => {
    routes.set('/v1.41/containers/broken/archive', (_req, res) =>
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"storage is broken"}'),
    );
    await expect(api.openArchive('broken', '/x', LIMIT)).rejects.toThrow(
      'Docker API GET /containers/broken/archive failed with 500: storage is broken',
    );
  });
});

describe('one JSON file out of a streamed archive', () => {
  it('reads the report from a streamed archive', async () => {
    const archive = await tarOf([{ name: 'report.json', body: JSON.stringify({ status: 'success' }) }]);
    routes.set('/v1.41/containers/ok/archive', (_req, res) => res.writeHead(200).end(archive));
    const stream = await api.openArchive('ok', '/r', REPORT_READ.limit);
    expect(await reportFromArchive(stream!)).toEqual({ status: 'success' });
  });

  it('stops at the first entry when the report path holds a folder', async () => {
    const served: Served[] = [];
    const folder = await tarOf([{ name: 'report.json', type: 'directory' }]);
    routes.set('/v1.41/containers/folder/archive', endless(served, {}, folder.subarray(0, 512)));
    const stream = await api.openArchive('folder', '/caravan/task/report.json', REPORT_READ.limit);
    const error = await reportFromArchive(stream!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TarballError);
    expect((error as Error).message).toMatch(
      /^the path of the agent's report is a directory; the report path must hold only the report the agent writes there/,
    );
    expect(await served[0]?.closedEarly).toBe(true);
  });

  it('stops at the second entry of an archive that should hold one file (a tar bomb)', async () => {
    const served: Served[] = [];
    const two = await tarOf([
      { name: 'report.json', body: '{"status":"success"}' },
      { name: 'more', body: 'x' },
    ]);
    // Both entries, without the end-of-archive marker: zeros follow without end.
    routes.set('/v1.41/containers/bomb/archive', endless(served, {}, two.subarray(0, two.length - 1024)));
    const stream = await api.openArchive('bomb', '/caravan/task/report.json', REPORT_READ.limit);
    await expect(reportFromArchive(stream!)).rejects.toThrow(/has more than 1 entries \(the limit\)/);
    expect(await served[0]?.closedEarly).toBe(true);
  });

  it('refuses a second file in an archive of one file, and a file over the size the policy allows', async () => {
    const two = await tarOf([
      { name: 'report.json', body: '{}' },
      { name: 'other', body: '{}' },
    ]);
    await expect(jsonFromArchive(two, REPORT_READ.policy)).rejects.toThrow(/has more than 1 entries \(the limit\)/);
    const pack = tar.pack();
    pack.entry({ name: 'report.json', size: 17 * MiB });
    const header = await new Promise<Buffer>((resolve) => pack.once('data', (chunk) => resolve(chunk as Buffer)));
    await expect(jsonFromArchive(header, REPORT_READ.policy)).rejects.toThrow(
      /unpacks to more than 16 MB \(the limit\)/,
    );
  });
});

describe('DockerApi: other answers are bounded too', () => {
  it('fails an inspect whose answer is larger than any container description', async () => {
    routes.set('/v1.41/containers/huge/json', endless([]));
    const error = await api.inspectContainer('huge').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerApiError);
    expect((error as Error).message).toMatch(/^Docker API GET \/containers\/huge\/json: the answer is larger than/);
  });

  it("keeps the start of a container's output tail that is one endless line", async () => {
    const served: Served[] = [];
    // Not multiplexed (a TTY container's output): one line of `x` without end.
    routes.set('/v1.41/containers/chatty/logs', endless(served, {}, undefined, 0x78));
    const tail = await api.logsTail('chatty', 20);
    expect(tail).toBe('x'.repeat(256 * 1024));
    expect(await served[0]?.closedEarly).toBe(true);
  });
});
