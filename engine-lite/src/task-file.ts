/**
 * Reading a file a task left on the host (its report, its spool) when the folder holding it was
 * writable by the action (a task folder bind-mounted into a container): only a regular file,
 * never through a symlink (which would resolve on the host), never a FIFO or device that would
 * block or never end, and never more than the agent itself writes there.
 */
import { constants, createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { TaskOutputRefused } from './executors/types.js';

/** What a file is, as errors name it, and what to do when it is refused. */
export interface TaskFileRule {
  maxBytes: number;
  /** `the agent's report`. */
  what: string;
  remedy: string;
}

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function refused(rule: TaskFileRule, path: string, why: string): TaskOutputRefused {
  return new TaskOutputRefused(`${rule.what} (${path}) ${why}; ${rule.remedy}`);
}

/** Opens `path` as a regular file within `rule`; undefined when it does not exist. Throws TaskOutputRefused. */
async function openTaskFile(
  path: string,
  rule: TaskFileRule,
): Promise<{ handle: FileHandle; size: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw refused(rule, path, 'is a symlink');
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refused(rule, path, 'is not a regular file');
    if (info.size > rule.maxBytes) {
      throw refused(rule, path, `is ${info.size} bytes, more than the ${rule.maxBytes} the engine reads of it`);
    }
    return { handle, size: info.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The whole file, as large as it was when opened (the task has ended: nothing writes it any more). */
export async function readTaskFile(path: string, rule: TaskFileRule): Promise<Buffer | undefined> {
  const opened = await openTaskFile(path, rule);
  if (!opened) return undefined;
  try {
    const buffer = Buffer.alloc(opened.size);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await opened.handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await opened.handle.close();
  }
}

/** A stream of the file as large as it was when opened, and that size. */
export async function streamTaskFile(
  path: string,
  rule: TaskFileRule,
): Promise<{ body: Readable; size: number } | undefined> {
  const opened = await openTaskFile(path, rule);
  if (!opened) return undefined;
  const { handle, size } = opened;
  if (size === 0) {
    await handle.close();
    return { body: Readable.from([]), size };
  }
  return { body: createReadStream('', { fd: handle, start: 0, end: size - 1 }), size };
}
