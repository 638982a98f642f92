/** Reads a spec file as UTF-8 text, turning file-system failures into clear issues. */
import { open, type FileHandle } from 'node:fs/promises';
import { issueAt, positionIn } from './issue-at.js';
import type { SpecIssue } from './issues.js';
import { MAX_SPEC_FILE_BYTES, tooLarge } from './yaml-limits.js';

export type ReadResult = { ok: true; text: string } | { ok: false; error: SpecIssue };

export async function readSpecFile(file: string, what: string, hintIfMissing: string): Promise<ReadResult> {
  const fail = (message: string, hint?: string): ReadResult => ({
    ok: false,
    error: { severity: 'error', file, line: 0, col: 0, message, ...(hint ? { hint } : {}) },
  });
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const info = await handle.stat();
      if (info.isDirectory()) return fail(`${file} is a folder, not a ${what} file`, 'pass the path of the file');
      if (info.size > MAX_SPEC_FILE_BYTES) return { ok: false, error: tooLarge(file, info.size) };
      // At most one byte past the limit, whatever stat said: a pipe, /dev/zero or a file that grows is no different.
      bytes = await readAtMost(handle, MAX_SPEC_FILE_BYTES + 1);
    } finally {
      await handle.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(`no ${what} file at ${file}`, hintIfMissing);
    if (code === 'EACCES') return fail(`cannot read ${file}: permission denied`, 'check the file permissions');
    if (code === 'EISDIR') return fail(`${file} is a folder, not a ${what} file`, 'pass the path of the file');
    return fail(`cannot read ${file}: ${code ?? 'unknown error'}`);
  }
  if (bytes.length > MAX_SPEC_FILE_BYTES) return { ok: false, error: tooLarge(file, bytes.length, true) };
  const invalid = firstInvalidUtf8(bytes);
  if (invalid !== undefined) return { ok: false, error: notUtf8(file, bytes, invalid) };
  const text = bytes.toString('utf8');
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.min(limit, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, limit - total), null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    total += bytesRead;
  }
  return Buffer.concat(chunks, total);
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or undefined. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (code < min || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return i;
    i += length;
  }
  return undefined;
}

function notUtf8(file: string, bytes: Buffer, offset: number): SpecIssue {
  const before = bytes.subarray(0, offset).toString('utf8');
  const { line, col } = positionIn(before, before.length);
  const byte = `0x${(bytes[offset] as number).toString(16).padStart(2, '0')}`;
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)
      ? 'the file is UTF-16: save it as UTF-8'
      : 'save the file as UTF-8 (it looks like another encoding, e.g. Latin-1, or binary data)';
  return issueAt(file, line, col, `the file is not valid UTF-8 (byte ${byte})`, utf16);
}
