import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentReport, EventBatch, LogBatch } from '@caravan/spec';
import { HttpReporter } from '../src/http-reporter.js';
import { agentErrorReport } from '../src/report-file.js';
import { EngineServer, deadUrl } from './helpers/engine-server.js';
import { eventually } from './helpers/run-agent.js';

const report: AgentReport = { ...agentErrorReport('x', 'internal'), status: 'success', exitCode: 0, errors: [] };
let server: EngineServer | undefined;
afterEach(async () => server?.stop());

function reporter(url: string, said: string[] = [], extra = {}) {
  const spoolDir = join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool');
  return {
    spoolDir,
    r: new HttpReporter({
      url,
      token: 'task-token',
      spoolDir,
      retryBaseMs: 5,
      flushMs: 5,
      maxBatchBytes: 2000,
      say: (m) => said.push(m),
      ...extra,
    }),
  };
}

async function untar(body: Buffer): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      files[entry.header.name] = Buffer.concat(chunks).toString('utf8');
    }
  })();
  ex.end(body);
  await done;
  return files;
}

describe('HttpReporter', () => {
  it('ships numbered log batches in order, events and the report, with the bearer token', async () => {
    server = new EngineServer();
    const { r } = reporter(await server.start());
    for (let i = 0; i < 300; i++) await r.log({ stream: 'stdout', text: `line ${i}`, ts: i });
    r.event({ type: 'output', name: 'a', value: '1', ts: 1 });
    expect(await r.finish(report)).toEqual([]);
    const batches = server.json<LogBatch>('/logs');
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
    expect(batches.flatMap((b) => b.entries.map((e) => e.text))).toEqual(
      Array.from({ length: 300 }, (_, i) => `line ${i}`),
    );
    expect(server.json<EventBatch>('/events')[0]!.events[0]).toMatchObject({ type: 'output', name: 'a' });
    expect(server.json<AgentReport>('/report')).toEqual([report]);
    expect(new Set(server.received.map((x) => x.auth))).toEqual(new Set(['Bearer task-token']));
    expect(server.received.at(-1)!.path).toBe('/api/tasks/t1/report');
  });

  it('retries a failing engine with back-off and delivers each batch once', async () => {
    server = new EngineServer();
    const { r } = reporter(await server.start());
    server.failNext = 2;
    await r.log({ stream: 'stderr', text: 'x', ts: 1 });
    await r.finish(report);
    expect(server.json<LogBatch>('/logs').map((b) => b.seq)).toEqual([1]);
    expect(server.json<AgentReport>('/report')).toHaveLength(1);
  });

  it('spools to disk while the engine is unreachable and says where the data stays', async () => {
    const said: string[] = [];
    const { r, spoolDir } = reporter(await deadUrl(), said);
    await r.log({ stream: 'stdout', text: 'kept on disk', ts: 1 });
    const warnings = await r.finish(report);
    expect(said[0]).toMatch(/the engine at http:\/\/127\.0\.0\.1:\d+\/api\/tasks\/t1 is unreachable; buffering to/);
    expect(warnings[0]).toMatch(/could not be reached: 2 requests .* stay in /);
    const lines = readFileSync(join(spoolDir, 'spool.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { route: string; body: string });
    expect(lines.map((l) => l.route)).toEqual(['logs', 'report']);
    expect(lines[0]!.body).toContain('kept on disk');
  });

  it('flushes the spool in order once the engine answers again', async () => {
    server = new EngineServer();
    const { r, spoolDir } = reporter(await server.start(), [], { attempts: 1 });
    server.failNext = 1;
    await r.log({ stream: 'stdout', text: 'first', ts: 1 });
    r.event({ type: 'started', ts: 1 });
    await new Promise((res) => setTimeout(res, 50));
    await r.log({ stream: 'stdout', text: 'second', ts: 2 });
    expect(await r.finish(report)).toEqual([]);
    expect(server.json<LogBatch>('/logs').flatMap((b) => b.entries.map((e) => e.text))).toEqual(['first', 'second']);
    expect(server.received.at(-1)!.path).toBe('/api/tasks/t1/report');
    expect(existsSync(spoolDir)).toBe(false);
  });

  it('probes a down engine while the action runs and delivers the spool when it is back', async () => {
    server = new EngineServer();
    const said: string[] = [];
    const { r } = reporter(await server.start(), said, { attempts: 1 });
    server.failNext = 1;
    await r.log({ stream: 'stdout', text: 'while down', ts: 1 });
    await eventually(() => said.length > 0, 'the engine to be marked down');
    await eventually(() => server!.json<LogBatch>('/logs').length === 1, 'the probe to deliver the spool');
    // the server has the batch before the reporter has read the answer: wait for the announcement
    await eventually(() => said.length > 1, 'the recovery to be announced');
    expect(said[1]).toMatch(/answers again/);
    await r.finish(report);
    expect(server.json<LogBatch>('/logs')[0]!.entries[0]!.text).toBe('while down');
  });

  it('bounds the spool and counts what it had to drop', async () => {
    const { r } = reporter(await deadUrl(), [], { spoolMaxBytes: 300 });
    for (let i = 0; i < 10; i++) await r.log({ stream: 'stdout', text: 'y'.repeat(1500), ts: i });
    const warnings = await r.finish(report);
    expect(warnings.some((w) => /batches were dropped: the spool reached its limit of 300 bytes/.test(w))).toBe(true);
  });

  it('reports a rejected request (4xx) without retrying it forever', async () => {
    server = new EngineServer();
    server.status = 401;
    const { r } = reporter(await server.start());
    await r.log({ stream: 'stdout', text: 'x', ts: 1 });
    const warnings = await r.finish(report);
    expect(server.received).toHaveLength(2);
    expect(warnings).toEqual(['the engine rejected 2 requests (first: HTTP 401 on /logs)']);
  });

  it('uploads a declared folder as a tar stream', async () => {
    server = new EngineServer();
    const { r } = reporter(await server.start());
    const dir = join(mkdtempSync(join(tmpdir(), 'up-')), 'dist');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    writeFileSync(join(dir, 'sub', 'b.txt'), 'beta');
    expect(await r.upload('dist files', dir)).toBeUndefined();
    await r.finish(report);
    const upload = server.received.find((x) => x.path === '/api/tasks/t1/files/dist%20files')!;
    expect(upload.contentType).toBe('application/x-tar');
    expect(await untar(upload.body)).toEqual({
      dist: '',
      'dist/a.txt': 'alpha',
      'dist/sub': '',
      'dist/sub/b.txt': 'beta',
    });
  });

  it('sends a declared folder without its links and says which were left out', async () => {
    server = new EngineServer();
    const { r } = reporter(await server.start());
    const dir = join(mkdtempSync(join(tmpdir(), 'up-')), 'dist');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    expect(await r.upload('dist', dir)).toBe(
      'declared file "dist" was sent without its links (dist/passwd): links are not followed',
    );
    await r.finish(report);
    const upload = server.received.find((x) => x.path === '/api/tasks/t1/files/dist')!;
    expect(await untar(upload.body)).toEqual({ dist: '', 'dist/a.txt': 'alpha' });
  });

  it('spools a declared file while the engine is unreachable, in order, and delivers it when it answers', async () => {
    server = new EngineServer();
    const said: string[] = [];
    const { r, spoolDir } = reporter(await server.start(), said, { attempts: 1 });
    const dir = join(mkdtempSync(join(tmpdir(), 'up-')), 'dist');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    server.failNext = 1;
    await r.log({ stream: 'stdout', text: 'before the file', ts: 1 });
    await eventually(() => said.length > 0, 'the engine to be marked down');
    expect(await r.upload('dist', dir)).toBeUndefined();
    const queued = readFileSync(join(spoolDir, 'spool.jsonl'), 'utf8').trim().split('\n');
    expect(queued.map((l) => (JSON.parse(l) as { route: string }).route)).toEqual(['logs', 'files/dist']);
    expect(await r.finish(report)).toEqual([]);
    const paths = server.received.map((x) => x.path.replace('/api/tasks/t1/', ''));
    expect(paths.slice(-3)).toEqual(['logs', 'files/dist', 'report']);
    expect(await untar(server.received.find((x) => x.path.endsWith('/files/dist'))!.body)).toEqual({
      dist: '',
      'dist/a.txt': 'alpha',
    });
    expect(existsSync(spoolDir)).toBe(false);
  });

  it('keeps a declared file in the spool folder when the engine never comes back', async () => {
    const { r, spoolDir } = reporter(await deadUrl());
    const dir = join(mkdtempSync(join(tmpdir(), 'up-')), 'dist');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    await r.log({ stream: 'stdout', text: 'x', ts: 1 });
    expect(await r.upload('dist', dir)).toBeUndefined();
    const warnings = await r.finish(report);
    expect(warnings[0]).toMatch(/3 requests .* stay in /);
    const queued = readFileSync(join(spoolDir, 'spool.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { route: string; bodyFile?: string });
    expect(queued.map((q) => q.route)).toEqual(['logs', 'files/dist', 'report']);
    expect(await untar(readFileSync(join(spoolDir, queued[1]!.bodyFile!)))).toEqual({
      dist: '',
      'dist/a.txt': 'alpha',
    });
  });
});
