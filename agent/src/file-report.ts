import { createReadStream, promises as fsp } from 'node:fs';
import type { FileReport } from '@caravan/spec';

/** Files up to this size that decode as UTF-8 text are reported with their (masked) content. */
export const FILE_CONTENT_LIMIT = 64 * 1024;

/** Size, sha256 and, for a small text file, its masked content; undefined when the file is gone. */
export async function describeFile(
  absPath: string,
  reportPath: string,
  mask: (text: string) => string,
): Promise<FileReport | undefined> {
  try {
    const info = await fsp.stat(absPath);
    if (!info.isFile()) return undefined;
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256');
    const small: Buffer[] = [];
    let size = 0;
    for await (const chunk of createReadStream(absPath) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (size <= FILE_CONTENT_LIMIT) small.push(chunk);
    }
    const report: FileReport = { path: reportPath, size, sha256: hash.digest('hex') };
    if (size <= FILE_CONTENT_LIMIT) {
      const text = textOf(Buffer.concat(small));
      if (text !== undefined) report.content = mask(text);
    }
    return report;
  } catch {
    return undefined;
  }
}

function textOf(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
