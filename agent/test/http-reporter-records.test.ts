/** HttpReporter when the engine takes log records: masked output shipped as bytes, decoded into the same entries. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_RECORDS_TYPE, parseLogRecords, type AgentReport, type LogEntry } from '@caravan/spec';
import { HttpReporter } from '../src/http-reporter.js';
import { LogRecordsBuilder } from '../src/log-records-batch.js';
import { agentErrorReport } from '../src/report-file.js';
import { EngineServer, deadUrl } from './helpers/engine-server.js';
import { eventually } from './helpers/run-agent.js';

const report: AgentReport = { ...agentErrorReport('x', 'internal'), status: 'success', exitCode: 0, errors: [] };
let server: EngineServer | undefined;
afterEach(async () => server?.stop());

const reporterAt = (url: string, extra: Partial<ConstructorParameters<typeof HttpReporter>[0]> = {}) => {
  const spoolDir = join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool');
  const said: string[] = [];
  const r = new HttpReporter({
    url,
    token: 'task-token',
    logTypes: ['application/x-unknown', LOG_RECORDS_TYPE],
    spoolDir,
    retryBaseMs: 5,
    flushMs: 5,
    maxBatchBytes: 4000,
    say: (m) => said.push(m),
    ...extra,
  });
  return { r, spoolDir, said };
};

describe('HttpReporter with log records', () => {
  it('ships blocks, lines and single entries as records that decode to the entries, in order, over numbered batches', async () => {
    server = new EngineServer();
    const { r } = reporterAt(await server.start());
    expect(r.logBlock).toBeDefined();
    const expected: LogEntry[] = [];
    for (let block = 0; block < 40; block++) {
      const lines = Array.from({ length: 25 }, (_, i) => `block ${block} line ${i} "quoted" \\ tab\there é😀`);
      await r.logBlock!('stdout', Buffer.from(`${lines.join('\r\n')}\r\n`), block);
      expected.push(...lines.map((text) => ({ stream: 'stdout' as const, text, ts: block })));
      // a piece of a long line ends its record: the next block starts a new one even with the same stream and time
      await r.logBlock!('stdout', Buffer.from(`piece ${block}`), block);
      await r.logBlock!('stdout', Buffer.from(`next ${block}\n`), block);
      expected.push(
        { stream: 'stdout', text: `piece ${block}`, ts: block },
        { stream: 'stdout', text: `next ${block}`, ts: block },
      );
      await r.logLines('stderr', `err ${block}\nmore`, block);
      expected.push(
        { stream: 'stderr', text: `err ${block}`, ts: block },
        { stream: 'stderr', text: 'more', ts: block },
      );
      await r.log({ stream: 'agent', text: `after ${block}`, ts: block });
      expected.push({ stream: 'agent', text: `after ${block}`, ts: block });
    }
    expect(await r.finish(report)).toEqual([]);
    const posted = server.received.filter((x) => x.path.endsWith('/logs'));
    expect(new Set(posted.map((x) => x.contentType))).toEqual(new Set([LOG_RECORDS_TYPE]));
    const batches = server.logBatches();
    expect(batches.length).toBeGreaterThan(10);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
    expect(batches.flatMap((b) => b.entries)).toEqual(expected);
    expect(Math.max(...posted.map((x) => x.body.length))).toBeLessThan(4000 + 25 * 120);
  });

  it('sends JSON when the engine offers no type it knows, as older engines expect', async () => {
    server = new EngineServer();
    const { r } = reporterAt(await server.start(), { logTypes: ['application/x-unknown'] });
    expect(r.logBlock).toBeUndefined();
    await r.logLines('stdout', 'one', 1);
    await r.finish(report);
    expect(server.received.find((x) => x.path.endsWith('/logs'))!.contentType).toBe('application/json');
    expect(server.logBatches()[0]!.entries).toEqual([{ stream: 'stdout', text: 'one', ts: 1 }]);
  });

  it('spools records byte for byte (base64, with their type) while the engine is down, and delivers them when it answers', async () => {
    server = new EngineServer();
    const { r, said } = reporterAt(await server.start(), { attempts: 1 });
    server.failNext = 1;
    const bytes = Buffer.concat([Buffer.from('bad '), Buffer.from([0xff, 0xc3]), Buffer.from(' bytes\n')]);
    await r.logBlock!('stdout', bytes, 7);
    await eventually(() => said.length > 0, 'the engine to be marked down');
    await eventually(() => server!.logBatches().length === 1, 'the probe to deliver the spool');
    await r.finish(report);
    const [delivered] = server.received.filter((x) => x.path.endsWith('/logs'));
    expect(delivered!.contentType).toBe(LOG_RECORDS_TYPE);
    expect(delivered!.body.includes(bytes)).toBe(true);
    expect(server.logBatches()[0]!.entries).toEqual([{ stream: 'stdout', text: 'bad \ufffd\ufffd bytes', ts: 7 }]);
  });

  it('leaves records in the spool file as base64 with their type when the engine never answers', async () => {
    const { r, spoolDir } = reporterAt(await deadUrl());
    await r.logBlock!('stdout', Buffer.from('one\ntwo\n'), 1);
    expect((await r.finish(report))[0]).toMatch(/requests .* stay in /);
    const [logs] = readFileSync(join(spoolDir, 'spool.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { route: string; body64: string; type: string });
    expect(logs).toMatchObject({ route: 'logs', type: LOG_RECORDS_TYPE });
    expect(parseLogRecords(Buffer.from(logs!.body64, 'base64'))).toEqual({
      seq: 1,
      entries: [
        { stream: 'stdout', text: 'one', ts: 1 },
        { stream: 'stdout', text: 'two', ts: 1 },
      ],
    });
  });
});

describe('LogRecordsBuilder', () => {
  it('joins blocks of one stream and time into one record and reuses its memory once a batch is sent', () => {
    const b = new LogRecordsBuilder(64);
    b.addBlock('stdout', Buffer.from('a\n'), 1);
    b.addBlock('stdout', Buffer.from('b\n'), 1);
    b.addBlock('stdout', Buffer.from('c\n'), 2);
    b.addBlock('stdout', Buffer.alloc(0), 2);
    const body = b.take(3);
    expect(body.toString()).toBe('seq 3\nstdout 1 0000000004\na\nb\nstdout 2 0000000002\nc\n');
    b.recycle(body);
    b.addBlock('stderr', Buffer.from('x'.repeat(200)), 5);
    const grown = b.take(4);
    expect(parseLogRecords(grown).entries).toEqual([{ stream: 'stderr', text: 'x'.repeat(200), ts: 5 }]);
    expect(parseLogRecords(b.take(5))).toEqual({ seq: 5, entries: [] });
  });
});
