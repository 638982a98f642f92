import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A file the action wrote for the agent (outputs, environment files), as read after it exits. */
export type ActionFile =
  | { kind: 'missing' }
  | { kind: 'text'; text: string }
  | { kind: 'not-regular' }
  | { kind: 'too-large'; size: number }
  | { kind: 'unreadable'; reason: string };

/**
 * Reads a file the action may have replaced: opened without blocking (a FIFO put in its place
 * would hold the agent forever) and refused unless it is a regular file; never more than `limit`
 * bytes (a file still growing is cut there and counts as too large).
 */
export function readActionFile(path: string, limit: number): ActionFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    // a socket cannot be opened at all
    if (code === 'ENXIO' || code === 'ENODEV') return { kind: 'not-regular' };
    return { kind: 'unreadable', reason: code ?? (err as Error).message };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { kind: 'not-regular' };
    if (info.size > limit) return { kind: 'too-large', size: info.size };
    let buf = Buffer.allocUnsafe(info.size + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > limit) return { kind: 'too-large', size: n };
        const bigger = Buffer.allocUnsafe(Math.min(2 * buf.length, limit + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const read = readSync(fd, buf, n, buf.length - n, null);
      if (read === 0) break;
      n += read;
    }
    return { kind: 'text', text: buf.toString('utf8', 0, n) };
  } catch (err) {
    return { kind: 'unreadable', reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  } finally {
    closeSync(fd);
  }
}

/** What to say about a file that could not be read; undefined for text or a missing file. */
export function actionFileProblem(file: ActionFile, label: string, path: string): string | undefined {
  switch (file.kind) {
    case 'not-regular':
      return `${label}: ${path} is not a regular file (the action replaced it); it was not read — append to the file the agent made`;
    case 'unreadable':
      return `${label}: cannot read ${path} (${file.reason})`;
    default:
      return undefined;
  }
}
