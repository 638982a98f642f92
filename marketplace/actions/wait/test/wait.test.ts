import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('caravan/wait under the agent', () => {
  it('sleeps a number of seconds', async () => {
    const run = await runAction('wait', { seconds: 0.05 });
    expect(run.exitCode).toBe(0);
    expect(Number(run.report.outputs.waited)).toBeGreaterThanOrEqual(0.04);
  });

  it('waits until a file appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caravan-wait-'));
    const pending = runAction('wait', { file: 'ready.flag', timeout: 30, interval: 0.05 }, { workdir: dir });
    setTimeout(() => writeFileSync(join(dir, 'ready.flag'), 'ok'), 300);
    const run = await pending;
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('ready.flag is ready');
  });

  it('waits until a URL answers with an accepted status', async () => {
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      res.writeHead(calls < 3 ? 503 : 200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    try {
      const run = await runAction('wait', { url, timeout: 30, interval: 0.05 });
      expect(run.exitCode).toBe(0);
      expect(calls).toBe(3);
    } finally {
      server.close();
    }
  });

  it('times out with what it waited for and the last problem', async () => {
    const file = await runAction('wait', { file: 'never', timeout: 0.2, interval: 0.05 });
    expect(file.exitCode).not.toBe(0);
    expect(errorMessages(file)).toMatch(/timed out after 0\.2s waiting for .*never \(last check: not there yet\)/);
    const port = await closedPort();
    const url = await runAction('wait', { url: `http://127.0.0.1:${port}/`, timeout: 0.2, interval: 0.05 });
    expect(errorMessages(url)).toContain(
      `timed out after 0.2s waiting for http://127.0.0.1:${port}/ (last check: ECONNREFUSED)`,
    );
  });

  it('rejects bad inputs clearly', async () => {
    expect(errorMessages(await runAction('wait', {}))).toMatch(/nothing to wait for/);
    expect(errorMessages(await runAction('wait', { seconds: 1, file: 'x' }))).toMatch(
      /give only one of .* got seconds and file/,
    );
    expect(errorMessages(await runAction('wait', { seconds: 'ten' }))).toMatch(
      /input "seconds" must be a number, got "ten"/,
    );
    expect(errorMessages(await runAction('wait', { seconds: -1 }))).toMatch(/input "seconds" must be at least 0/);
    expect(errorMessages(await runAction('wait', { url: 'localhost:80' }))).toMatch(/input "url" must be an http/);
  });
});
