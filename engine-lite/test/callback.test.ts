import type { Readable } from 'node:stream';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOG_RECORDS_TYPE,
  logRecordHead,
  logRecordsHead,
  type AgentReport,
  type EventBatch,
  type LogBatch,
  type LogEntry,
} from '@caravan/spec';
import type { TaskGrant } from '../src/callback/server.js';
import { CallbackServer } from '../src/callback/server.js';
import { signBody, WebhookDispatcher } from '../src/webhooks.js';

const seen: {
  logs: LogBatch[];
  events: EventBatch[];
  files: { name: string; bytes: number }[];
  reports: AgentReport[];
} = { logs: [], events: [], files: [], reports: [] };
const seqs = new Set<string>();
const server = new CallbackServer(
  {
    async logs(g: TaskGrant, batch) {
      const key = `${g.taskId}:${batch.seq}`;
      if (seqs.has(key)) return false;
      seqs.add(key);
      seen.logs.push(batch);
      return true;
    },
    async events(_g, batch) {
      seen.events.push(batch);
    },
    async file(_g, name, body: Readable) {
      let bytes = 0;
      for await (const chunk of body) bytes += (chunk as Buffer).length;
      seen.files.push({ name, bytes });
    },
    async report(_g, report) {
      seen.reports.push(report);
    },
  },
  { maxJsonBytes: 1024 * 1024 },
);

beforeAll(() => server.listen());
afterAll(() => server.close());

async function post(url: string, token: string | undefined, body: unknown, method: 'POST' | 'PUT' = 'POST') {
  const res = await request(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('callback API', () => {
  it('accepts a task’s logs once per seq, its events, files and report', async () => {
    const cb = server.grant('r1.a.1', 'r1', 'a');
    const batch = { seq: 1, entries: [{ stream: 'stdout', text: 'hi', ts: 1 }] };
    expect(await post(`${cb.url}/logs`, cb.token, batch)).toEqual({ status: 200, body: { ok: true } });
    expect(await post(`${cb.url}/logs`, cb.token, batch)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect(seen.logs).toHaveLength(1);
    expect((await post(`${cb.url}/events`, cb.token, { seq: 1, events: [{ type: 'started', ts: 1 }] })).status).toBe(
      200,
    );
    const file = await request(`${cb.url}/files/report`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${cb.token}`, 'content-type': 'application/x-tar' },
      body: Buffer.alloc(2048),
    });
    expect(file.statusCode).toBe(200);
    await file.body.dump();
    expect(seen.files).toEqual([{ name: 'report', bytes: 2048 }]);
    const report = {
      status: 'success',
      exitCode: 0,
      signal: null,
      outputs: { a: '1' },
      errors: [],
      warnings: [],
      annotations: [],
      files: [],
      stderrExcerpt: [],
      durationMs: 1,
      masked: 0,
    };
    expect((await post(`${cb.url}/report`, cb.token, report)).status).toBe(200);
    expect(seen.reports[0]?.outputs).toEqual({ a: '1' });
  });

  it('refuses file names an action cannot declare (`.`, `..`, a leading dot or digit) before reading the body', async () => {
    const cb = server.grant('r1.f.1', 'r1', 'f');
    const { hostname, port, pathname } = new URL(cb.url);
    for (const name of ['.', '..', '...', '.hidden', '1st']) {
      // node:http sends the path as it is (URL parsers would resolve the dot segments first)
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            hostname,
            port,
            path: `${pathname}/files/${name}`,
            method: 'PUT',
            headers: { authorization: `Bearer ${cb.token}` },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body }));
          },
        );
        req.on('error', reject);
        req.end('x');
      });
      expect(status, `${name}: ${text}`).toBe(400);
      expect(text).toContain('not a file name an action can declare');
    }
    expect(seen.files.filter((f) => f.name.startsWith('.') || f.name === '1st')).toEqual([]);
  });

  it('lets a new engine take over a stopped engine’s grant, on the old port, knowing only the token digest', async () => {
    const handlers = {
      logs: async () => true,
      events: async () => undefined,
      file: async () => undefined,
      report: async () => undefined,
    };
    const stopped = new CallbackServer(handlers);
    await stopped.listen();
    const cb = stopped.grant('r9.a.1', 'r9', 'a');
    const oldPort = stopped.port;
    await stopped.close();
    const batch = { seq: 1, entries: [{ stream: 'stdout', text: 'while nobody listened', ts: 1 }] };
    await expect(post(`${cb.url}/logs`, cb.token, batch)).rejects.toThrow();

    const resumed = new CallbackServer(handlers);
    await resumed.listen();
    try {
      expect(resumed.port).not.toBe(oldPort);
      expect(
        await resumed.regrant({ taskId: 'r9.a.1', runId: 'r9', stepId: 'a', tokenSha256: cb.tokenSha256 }, oldPort),
      ).toBe(true);
      expect(await post(`${cb.url}/logs`, cb.token, batch)).toEqual({ status: 200, body: { ok: true } });
      expect((await post(`${resumed.url}/api/tasks/r9.a.1/logs`, cb.token, batch)).status).toBe(200);
      expect((await post(`${cb.url}/logs`, `${cb.token.slice(0, -1)}x`, batch)).status).toBe(403);
      // a port someone else took: the grant still holds on the engine's own port
      const squatter = createServer(() => undefined);
      await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
      const taken = (squatter.address() as AddressInfo).port;
      expect(
        await resumed.regrant({ taskId: 'r9.b.1', runId: 'r9', stepId: 'b', tokenSha256: cb.tokenSha256 }, taken),
      ).toBe(false);
      squatter.close();
      await expect(
        resumed.regrant({ taskId: 'r9.c.1', runId: 'r9', stepId: 'c', tokenSha256: 'not-a-digest' }, oldPort),
      ).rejects.toThrow(/not a sha256/);
    } finally {
      await resumed.close();
    }
    await expect(post(`${cb.url}/logs`, cb.token, batch)).rejects.toThrow();
  });

  it('answers 401 without a token, 403 for another task’s token or after the task ended', async () => {
    const a = server.grant('r2.a.1', 'r2', 'a');
    const b = server.grant('r2.b.1', 'r2', 'b');
    const body = { seq: 1, entries: [] };
    const missing = await post(`${a.url}/logs`, undefined, body);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/Authorization: Bearer/);
    expect((await post(`${a.url}/logs`, 'garbage token!', body)).status).toBe(401);
    expect((await post(`${a.url}/logs`, b.token, body)).status).toBe(403);
    server.revoke('r2.a.1');
    const expired = await post(`${a.url}/logs`, a.token, body);
    expect(expired.status).toBe(403);
    expect(expired.body.error).toMatch(/no longer running/);
    expect((await post(`${b.url}/logs`, b.token, body)).status).toBe(200);
  });

  it('rejects malformed, wrongly typed and oversized bodies with 4xx and a JSON reason', async () => {
    const cb = server.grant('r3.a.1', 'r3', 'a');
    const notJson = await post(`${cb.url}/logs`, cb.token, '{"seq": 1, ');
    expect(notJson).toMatchObject({ status: 400, body: { error: expect.stringMatching(/invalid body: not JSON/) } });
    expect((await post(`${cb.url}/logs`, cb.token, { seq: -1, entries: [] })).body.error).toMatch(
      /seq must be a positive integer/,
    );
    expect(
      (await post(`${cb.url}/logs`, cb.token, { seq: 2, entries: [{ stream: 'video', text: 1 }] })).body.error,
    ).toMatch(/entries\[0\] must be/);
    expect((await post(`${cb.url}/report`, cb.token, { status: 'great' })).body.error).toMatch(/status must be one of/);
    expect((await post(`${cb.url}/report`, cb.token, { status: 'success', outputs: { a: 1 } })).body.error).toMatch(
      /outputs must be an object of strings/,
    );
    const huge = await post(`${cb.url}/logs`, cb.token, {
      seq: 3,
      entries: [{ stream: 'stdout', text: 'x'.repeat(2 * 1024 * 1024), ts: 1 }],
    });
    expect(huge.status).toBe(413);
    expect((await post(`${cb.url}/nope`, cb.token, {})).status).toBe(404);
    expect((await post(`${cb.url}/logs`, cb.token, {}, 'PUT')).status).toBe(405);
    expect((await post(`${cb.url.replace('r3.a.1', '..%2F..')}/logs`, cb.token, {})).status).toBe(404);
  });
});

describe('callback API: log records', () => {
  const postRecords = async (url: string, token: string, body: Buffer, type = LOG_RECORDS_TYPE) => {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${token}` },
      body,
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  const records = (seq: number, ...parts: [LogEntry['stream'], number, string][]) =>
    Buffer.concat([
      Buffer.from(logRecordsHead(seq)),
      ...parts.flatMap(([stream, ts, text]) => [
        Buffer.from(logRecordHead(stream, ts, Buffer.byteLength(text))),
        Buffer.from(text),
      ]),
    ]);

  it('offers log records in each grant and takes them as the entries they hold, once per seq', async () => {
    const cb = server.grant('r4.a.1', 'r4', 'a');
    expect(cb.logTypes).toEqual([LOG_RECORDS_TYPE]);
    const body = records(1, ['stdout', 10, 'one\ntwo\n'], ['stderr', 11, 'oops\n']);
    expect(await postRecords(`${cb.url}/logs`, cb.token, body, `${LOG_RECORDS_TYPE}; charset=binary`)).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await postRecords(`${cb.url}/logs`, cb.token, body)).toEqual({
      status: 200,
      body: { ok: true, duplicate: true },
    });
    expect(seen.logs.at(-1)).toEqual({
      seq: 1,
      entries: [
        { stream: 'stdout', text: 'one', ts: 10 },
        { stream: 'stdout', text: 'two', ts: 10 },
        { stream: 'stderr', text: 'oops', ts: 11 },
      ],
    });
  });

  it('refuses malformed records with a 400 that says which record is wrong, and oversized ones with a 413', async () => {
    const cb = server.grant('r5.a.1', 'r5', 'a');
    const cut = await postRecords(`${cb.url}/logs`, cb.token, Buffer.from('seq 1\nstdout 1 50\nshort\n'));
    expect(cut).toEqual({
      status: 400,
      body: { error: 'invalid body: log records: record 1 (byte 6) says 50 bytes, but only 6 follow' },
    });
    const json = await postRecords(`${cb.url}/logs`, cb.token, Buffer.from('{"seq":1,"entries":[]}'));
    expect(json.status).toBe(400);
    expect(json.body.error).toMatch(/log records: the body: no head line/);
    const huge = await postRecords(`${cb.url}/logs`, cb.token, records(2, ['stdout', 1, 'x'.repeat(2 * 1024 * 1024)]));
    expect(huge.status).toBe(413);
    expect(seen.logs.some((b) => b.entries.some((e) => e.text.startsWith('xxx')))).toBe(false);
  });
});

describe('webhooks', () => {
  it('signs the exact body with HMAC-SHA256 and retries a failing endpoint with backoff', async () => {
    const got: { body: string; sig: string | undefined }[] = [];
    let calls = 0;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        calls++;
        if (calls < 3) return void res.writeHead(503).end();
        got.push({ body, sig: req.headers['x-caravan-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const d = new WebhookDispatcher({ urls: [url], secret: 'whsec', backoffMs: 10 });
    d.send({ type: 'run.success', runId: 'r1' });
    await d.flush();
    hook.close();
    expect(calls).toBe(3);
    expect(got).toHaveLength(1);
    expect(got[0]!.sig).toBe(signBody(got[0]!.body, 'whsec'));
    expect(JSON.parse(got[0]!.body)).toEqual({ type: 'run.success', runId: 'r1' });
  });

  it('gives up on an unreachable endpoint after its attempts, without throwing', async () => {
    const gaveUp: string[] = [];
    const d = new WebhookDispatcher({
      urls: ['http://127.0.0.1:1/hook'],
      attempts: 2,
      backoffMs: 5,
      onGiveUp: (_u, type, reason) => gaveUp.push(`${type}: ${reason}`),
    });
    d.send({ type: 'step.failed' });
    await d.flush();
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(/^step\.failed: /);
  });
});
