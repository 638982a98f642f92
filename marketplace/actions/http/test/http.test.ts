import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

let server: Server;
let base = '';
const received: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/items/7') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'abc' });
        res.end(JSON.stringify({ data: { id: 7, name: 'seven', tags: ['a', 'b'] } }));
      } else if (req.url === '/items' && req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { id: 8, echo: body ? JSON.parse(body) : null } }));
      } else if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 1, filler: 'é'.repeat(1024 * 1024) }));
      } else if (req.url === '/text') {
        res.end('plain text, not json');
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 3000);
      } else {
        res.writeHead(500).end('boom: database down');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await buildAgent();
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** A port that was just free: nothing listens there. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('caravan/http under the agent, against a local server', () => {
  it('GETs, checks asserts and extracts JSON paths into outputs', async () => {
    const run = await runAction('http', {
      url: `${base}/items/7`,
      asserts: ['$.data.id == 7', '$.data.tags contains b', 'status == 200', '$.data.name matches ^se'],
      extract: { id: '$.data.id', firstTag: '$.data.tags[0]', data: '$.data' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs).toMatchObject({ status: '200', id: '7', firstTag: 'a' });
    expect(JSON.parse(run.report.outputs.data ?? '')).toEqual({ id: 7, name: 'seven', tags: ['a', 'b'] });
    expect(JSON.parse(run.report.outputs.headers ?? '')).toMatchObject({ 'x-request-id': 'abc' });
  });

  it('POSTs a JSON body with headers', async () => {
    const run = await runAction('http', {
      url: `${base}/items`,
      method: 'POST',
      headers: { 'x-trace': 'yes' },
      body: { name: 'eight' },
      'expected-status': '201',
      extract: { name: '$.data.echo.name' },
    });
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs.name).toBe('eight');
    const last = received.at(-1);
    expect(last?.headers['content-type']).toBe('application/json');
    expect(last?.headers['x-trace']).toBe('yes');
  });

  it('fails with the assert, what it got and what it expected', async () => {
    const run = await runAction('http', {
      url: `${base}/items/7`,
      asserts: ['$.data.id == 8', '$.data.missing exists'],
    });
    expect(run.exitCode).not.toBe(0);
    const errors = errorMessages(run);
    expect(errors).toMatch(/assert "\$\.data\.id == 8" failed: got 7, expected == "8"/);
    expect(errors).toMatch(/assert "\$\.data\.missing exists" failed/);
    expect(run.report.outputs.status).toBe('200');
  });

  it('fails on an unexpected status and shows the start of the body', async () => {
    const run = await runAction('http', { url: `${base}/broken` });
    expect(run.exitCode).not.toBe(0);
    expect(errorMessages(run)).toMatch(/returned 500, expected 2xx; body starts: boom: database down/);
  });

  it('keeps a huge body whole for extract, and cuts the body output at a character boundary', async () => {
    const run = await runAction('http', { url: `${base}/huge`, extract: { id: '$.id' } });
    expect(run.exitCode, errorMessages(run)).toBe(0);
    expect(run.report.outputs.id).toBe('1');
    const body = run.report.outputs.body ?? '';
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(512 * 1024);
    expect(body.endsWith('é')).toBe(true);
    expect(
      run.report.annotations.some((a) => a.level === 'warning' && /keeps its first 524288 bytes/.test(a.message)),
    ).toBe(true);
  });

  it('fails clearly when the body is not JSON but a path is asked for', async () => {
    const run = await runAction('http', { url: `${base}/text`, extract: { x: '$.x' } });
    expect(errorMessages(run)).toMatch(/is not JSON, so JSON paths cannot be read/);
  });

  it('fails clearly on an unreachable URL and on a timeout', async () => {
    const port = await closedPort();
    const refused = await runAction('http', { url: `http://127.0.0.1:${port}/` });
    expect(refused.exitCode).not.toBe(0);
    expect(errorMessages(refused)).toMatch(/could not connect \(ECONNREFUSED\): nothing listens there/);
    const slow = await runAction('http', { url: `${base}/slow`, timeout: 0.2 });
    expect(errorMessages(slow)).toMatch(/got no response within 0\.2s/);
  });

  it('rejects bad inputs with clear messages', async () => {
    expect(errorMessages(await runAction('http', {}))).toMatch(/input "url" is required/);
    expect(errorMessages(await runAction('http', { url: 'not a url' }))).toMatch(/input "url" is not a valid URL/);
    expect(errorMessages(await runAction('http', { url: 'ftp://x/' }))).toMatch(/must use http:\/\/ or https:\/\//);
    expect(errorMessages(await runAction('http', { url: base, method: 'FETCH' }))).toMatch(
      /input "method" must be one of "GET"/,
    );
    expect(errorMessages(await runAction('http', { url: base, headers: 'x' }))).toMatch(
      /input "headers" must be a mapping \(JSON\)/,
    );
    expect(errorMessages(await runAction('http', { url: base, 'expected-status': 'ok' }))).toMatch(
      /"ok", which is not a status code/,
    );
    expect(errorMessages(await runAction('http', { url: base, asserts: ['$.a is 5'] }))).toMatch(
      /condition "\$\.a is 5" has no operator/,
    );
    expect(errorMessages(await runAction('http', { url: base, timeout: 'soon' }))).toMatch(
      /input "timeout" must be a number/,
    );
  });

  it('sends credentials in the URL as basic auth and never prints them', async () => {
    const run = await runAction('http', { url: `${base.replace('://', '://user:pa55word-secret@')}/items/7` });
    expect(run.exitCode).toBe(0);
    expect(received.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:pa55word-secret').toString('base64')}`,
    );
    expect(JSON.stringify(run.report) + run.stdout + run.stderr).not.toContain('pa55word-secret');
    const port = await closedPort();
    const refused = await runAction('http', { url: `http://user:pa55word-secret@127.0.0.1:${port}/` });
    expect(errorMessages(refused)).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(refused.report) + refused.stdout).not.toContain('pa55word-secret');
  });
});
