/**
 * Files a task left on the host where its container could write (a bound task folder: the report,
 * the spool) are read as the agent writes them or not at all: regular files within the agent's
 * limits, never through a symlink that would resolve on the host, never a FIFO that would block.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallbackHandlers } from '../src/callback/server.js';
import { TaskOutputRefused } from '../src/executors/types.js';
import { ingestSpool } from '../src/spool-intake.js';
import { readTaskFile } from '../src/task-file.js';

const RULE = { maxBytes: 64, what: "the agent's report", remedy: 'leave it to the agent' };
let dir: string;
/** A file outside the task folder that must never be read through it. */
let hostFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'caravan-task-file-'));
  hostFile = join(dir, 'host-secret.txt');
  writeFileSync(hostFile, 'host-only-content');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTaskFile', () => {
  it('reads a regular file within the limit, and answers undefined for a missing one', async () => {
    writeFileSync(join(dir, 'ok.json'), '{"status":"success"}');
    expect((await readTaskFile(join(dir, 'ok.json'), RULE))?.toString()).toBe('{"status":"success"}');
    expect(await readTaskFile(join(dir, 'missing.json'), RULE)).toBeUndefined();
  });

  it('refuses a file larger than the limit without reading it', async () => {
    writeFileSync(join(dir, 'big.json'), 'x'.repeat(65));
    await expect(readTaskFile(join(dir, 'big.json'), RULE)).rejects.toThrow(
      new TaskOutputRefused(
        `the agent's report (${join(dir, 'big.json')}) is 65 bytes, more than the 64 the engine reads of it; leave it to the agent`,
      ),
    );
  });

  it('refuses a symlink (to a host file, to /dev/zero) instead of following it', async () => {
    symlinkSync(hostFile, join(dir, 'link.json'));
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    for (const name of ['link.json', 'zero.json'])
      await expect(readTaskFile(join(dir, name), RULE)).rejects.toThrow(`(${join(dir, name)}) is a symlink; leave it`);
  });

  it('refuses a FIFO or a folder without waiting for a writer', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    mkdirSync(join(dir, 'folder.json'));
    for (const name of ['fifo.json', 'folder.json'])
      await expect(readTaskFile(join(dir, name), RULE)).rejects.toThrow(`(${join(dir, name)}) is not a regular file`);
  });
});

describe('ingestSpool of a folder the container could write', () => {
  const grant = { taskId: 't1', runId: 'r1', stepId: 's1' };

  function recordingHandlers(stored: Record<string, string>): CallbackHandlers {
    return {
      logs: async () => true,
      events: async () => undefined,
      report: async () => undefined,
      file: async (_grant, name, body: Readable) => {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        stored[name] = Buffer.concat(chunks).toString();
      },
    };
  }

  it('stores a spooled file body, and refuses one that is a symlink to a host file', async () => {
    const spool = join(dir, 'spool-links');
    mkdirSync(spool);
    writeFileSync(join(spool, 'body-1.bin'), 'built');
    symlinkSync(hostFile, join(spool, 'body-2.bin'));
    writeFileSync(
      join(spool, 'spool.jsonl'),
      `${JSON.stringify({ route: 'files/dist', bodyFile: 'body-1.bin' })}\n${JSON.stringify({ route: 'files/leak', bodyFile: 'body-2.bin' })}\n`,
    );
    const stored: Record<string, string> = {};
    const intake = await ingestSpool(spool, grant, recordingHandlers(stored));
    expect(stored).toEqual({ dist: 'built' });
    expect(intake?.fileErrors).toEqual([
      `leak: the spooled body of file "leak" (${join(spool, 'body-2.bin')}) is a symlink; the spool folder must hold only what the agent writes there; the action must not write to it`,
    ]);
  });

  it('refuses a queue that is a symlink, rather than reading what it points to', async () => {
    const spool = join(dir, 'spool-queue-link');
    mkdirSync(spool);
    symlinkSync('/dev/zero', join(spool, 'spool.jsonl'));
    await expect(ingestSpool(spool, grant, recordingHandlers({}))).rejects.toThrow(TaskOutputRefused);
  });
});
