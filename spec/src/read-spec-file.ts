/** Reads a spec file as UTF-8 text, turning file-system failures into clear issues. */
import { readFile, stat } from 'node:fs/promises';
import type { SpecIssue } from './issues.js';
import { MAX_SPEC_FILE_BYTES } from './yaml-source.js';

export type ReadResult = { ok: true; text: string } | { ok: false; error: SpecIssue };

export async function readSpecFile(file: string, what: string, hintIfMissing: string): Promise<ReadResult> {
  const fail = (message: string, hint?: string): ReadResult => ({
    ok: false,
    error: { severity: 'error', file, line: 0, col: 0, message, ...(hint ? { hint } : {}) },
  });
  try {
    const info = await stat(file);
    if (info.isDirectory()) return fail(`${file} is a folder, not a ${what} file`, 'pass the path of the file');
    if (info.size > MAX_SPEC_FILE_BYTES)
      return fail(
        `file is ${info.size} bytes, over the limit of ${MAX_SPEC_FILE_BYTES}`,
        'spec files are small; move data into files the steps read',
      );
    const text = await readFile(file, 'utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(`no ${what} file at ${file}`, hintIfMissing);
    if (code === 'EACCES') return fail(`cannot read ${file}: permission denied`, 'check the file permissions');
    return fail(`cannot read ${file}: ${code ?? 'unknown error'}`);
  }
}
