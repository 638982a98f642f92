/**
 * Reading an answer of the Docker API without trusting its size: what a container holds (an
 * archive of a path, its output) is written by the action, so each read stops at a limit and
 * closes the connection instead of buffering whatever comes.
 */
import type { Readable } from 'node:stream';

/** How much of a container's archive a caller reads, and the words of the error past it. */
export interface ArchiveLimit {
  /** Bytes of the tar stream, headers included. */
  maxBytes: number;
  /** What is read, as its user knows it: `the agent's report`. */
  what: string;
  /** What to do when it is larger. */
  remedy: string;
}

/** A container's archive larger than its reader's limit; nothing past the limit was read. */
export class ArchiveTooLarge extends Error {
  constructor(
    readonly limit: ArchiveLimit,
    path: string,
    containerId: string,
  ) {
    super(
      `${limit.what} (${path} in container ${containerId.slice(0, 12)}) is larger than ${sizeText(limit.maxBytes)}, ` +
        `the most the engine reads of it; reading stopped there: ${limit.remedy}`,
    );
    this.name = 'ArchiveTooLarge';
  }
}

/** `16 MiB`, `64 KiB`, `100 bytes`. */
export function sizeText(bytes: number): string {
  const units: [number, string][] = [
    [1024 * 1024, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * The body's chunks, up to `maxBytes` in all; one byte more destroys the body (the connection is
 * not read further) and throws `tooLarge()`. A consumer that stops early destroys it too.
 */
export async function* limitBody(
  body: Readable,
  maxBytes: number,
  tooLarge: () => Error,
): AsyncGenerator<Buffer, void, undefined> {
  let seen = 0;
  let done = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (seen > maxBytes) throw tooLarge();
      yield chunk;
    }
    done = true;
  } finally {
    if (!done) discard(body);
  }
}

/** The body up to `maxBytes`; `over` when there was more (the rest is not read, the body destroyed). */
export async function readAtMost(body: Readable, maxBytes: number): Promise<{ data: Buffer; over: boolean }> {
  const chunks: Buffer[] = [];
  let seen = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (seen + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - seen));
      discard(body);
      return { data: Buffer.concat(chunks), over: true };
    }
    chunks.push(chunk);
    seen += chunk.length;
  }
  return { data: Buffer.concat(chunks), over: false };
}

/** Closes a body that is not read to its end (undici reports that as an error, which nothing awaits). */
export function discard(body: Readable): void {
  body.once('error', () => undefined);
  body.destroy();
}

/** A declared `content-length` over `maxBytes`: refused before a byte is read. */
export function declaredOver(headers: Record<string, string | string[] | undefined>, maxBytes: number): boolean {
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}
