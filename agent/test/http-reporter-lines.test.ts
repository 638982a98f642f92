/** HttpReporter.logLines: many lines of a stream at once, delivered as the entries `log` would make. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentReport, LogBatch } from '@caravan/spec';
import { HttpReporter } from '../src/http-reporter.js';
import { agentErrorReport } from '../src/report-file.js';
import { EngineServer, deadUrl } from './helpers/engine-server.js';

const report: AgentReport = { ...agentErrorReport('x', 'internal'), status: 'success', exitCode: 0, errors: [] };
let server: EngineServer | undefined;
afterEach(async () => server?.stop());

const reporterAt = (url: string, spoolDir = join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool')) =>
  new HttpReporter({
    url,
    token: 'task-token',
    spoolDir,
    retryBaseMs: 5,
    flushMs: 5,
    maxBatchBytes: 4000,
    say: () => {},
  });

describe('HttpReporter.logLines', () => {
  it('delivers each line as an entry, in order with single entries, over numbered batches of bounded size', async () => {
    server = new EngineServer();
    const r = reporterAt(await server.start());
    const expected: { stream: string; text: string; ts: number }[] = [];
    for (let block = 0; block < 40; block++) {
      const lines = Array.from({ length: 25 }, (_, i) => `block ${block} line ${i} "quoted" \\ tab\there é😀`);
      await r.logLines(block % 2 ? 'stderr' : 'stdout', lines.join('\n'), block);
      expected.push(...lines.map((text) => ({ stream: block % 2 ? 'stderr' : 'stdout', text, ts: block })));
      await r.log({ stream: 'agent', text: `after ${block}`, ts: block });
      expected.push({ stream: 'agent', text: `after ${block}`, ts: block });
    }
    expect(await r.finish(report)).toEqual([]);
    const batches = server.json<LogBatch>('/logs');
    expect(batches.length).toBeGreaterThan(10);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
    expect(batches.flatMap((b) => b.entries)).toEqual(expected);
    const sizes = server.received.filter((x) => x.path.endsWith('/logs')).map((x) => x.body.length);
    // a batch closes once it reaches the limit: at most one block beyond it
    expect(Math.max(...sizes)).toBeLessThan(4000 + 25 * 120);
  });

  it('spools line blocks as JSON text while the engine is unreachable', async () => {
    const spoolDir = join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool');
    const r = reporterAt(await deadUrl(), spoolDir);
    await r.logLines('stdout', 'one\ntwo', 1);
    const warnings = await r.finish(report);
    expect(warnings[0]).toMatch(/requests .* stay in /);
    const [logs] = readFileSync(join(spoolDir, 'spool.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { route: string; body: string });
    expect(logs!.route).toBe('logs');
    expect(JSON.parse(logs!.body)).toEqual({
      seq: 1,
      entries: [
        { stream: 'stdout', text: 'one', ts: 1 },
        { stream: 'stdout', text: 'two', ts: 1 },
      ],
    });
  });
});

describe('HttpReporter back-pressure', () => {
  it(
    'makes the action wait past maxQueuedBytes only until the oldest batch is delivered, not the whole queue',
    {
      timeout: 10_000,
    },
    async () => {
      const held: (() => void)[] = [];
      const gated = createServer((req, res) => {
        req.resume();
        req.on('end', () => held.push(() => res.writeHead(200).end('{}')));
      });
      await new Promise<void>((r) => gated.listen(0, '127.0.0.1', r));
      try {
        const r = new HttpReporter({
          url: `http://127.0.0.1:${(gated.address() as AddressInfo).port}/api/tasks/t1`,
          token: 'task-token',
          spoolDir: join(mkdtempSync(join(tmpdir(), 'spool-')), 'spool'),
          flushMs: 1_000_000,
          maxBatchBytes: 1000,
          maxQueuedBytes: 2500,
          say: () => {},
        });
        let wait: void | Promise<void> = undefined;
        let made = 0;
        // each block is a batch of its own (over maxBatchBytes): the third one puts the queue over its limit
        while (!wait) wait = r.logLines('stdout', `${'x'.repeat(1100)} ${made++}`, made);
        expect(made).toBe(3);
        while (held.length === 0) await new Promise((resolve) => setImmediate(resolve));
        held.shift()!();
        let answered = 1;
        await wait;
        // two batches still wait for their answers, yet the action goes on
        expect(answered).toBe(1);
        const finished = r.finish(report);
        for (;;) {
          if (held.length > 0) {
            held.shift()!();
            answered++;
          }
          if (await Promise.race([finished.then(() => true), new Promise((resolve) => setImmediate(resolve, false))]))
            break;
        }
        expect(answered).toBe(4); // the three batches and the report
      } finally {
        gated.closeAllConnections();
        await new Promise((r) => gated.close(r));
      }
    },
  );
});
