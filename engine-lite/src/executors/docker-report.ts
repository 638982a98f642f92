/**
 * Reads one JSON file out of a container's archive (a tar holding that file): the agent's report,
 * an embedded agent's manifest. Each read has its limits (bytes of the tar, one entry), so a file
 * the action made large, or a folder put in its place, is refused without being read.
 */
import { readTar, TarballError, type TarPolicy } from '@caravan/registry';
import type { AgentReport } from '@caravan/spec';
import type { ArchiveLimit } from './docker-bounded-body.js';

/**
 * The agent's report holds at most about 9 MiB (outputs 4 MiB, the summary, exported variables,
 * PATH and state 1 MiB each, 200 annotations): this leaves room for its JSON escapes.
 */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;
/** Tar headers around one file: a pax header (the runtime's extended attributes), padding, the end. */
const ONE_FILE_TAR_OVERHEAD = 64 * 1024;

/** How one file is read out of a container: the bytes of its tar, and what the tar may hold. */
export interface OneFileRead {
  limit: ArchiveLimit;
  policy: TarPolicy;
}

/** `archive`: how errors name the tar (`report archive`), `what` the file (`the agent's report`). */
export function oneFileRead(maxFileBytes: number, archive: string, what: string, remedy: string): OneFileRead {
  return {
    limit: { maxBytes: maxFileBytes + ONE_FILE_TAR_OVERHEAD, what, remedy },
    policy: {
      maxEntries: 1,
      maxBytes: maxFileBytes,
      maxPathBytes: 4096,
      symlinks: false,
      // Container runtimes may record extended attributes; they do not change the file's bytes.
      ignoreXattrs: true,
      words: { archive, folder: `the path of ${what}`, remedy, shrink: remedy },
    },
  };
}

export const REPORT_READ = oneFileRead(
  MAX_REPORT_BYTES,
  'report archive',
  "the agent's report",
  'the report path must hold only the report the agent writes there; the action must not write to it (nor to the folder holding it)',
);

/** The report, or undefined when the one file it holds is not a report (not JSON, no status). */
export async function reportFromArchive(archive: AsyncIterable<Buffer> | Buffer): Promise<AgentReport | undefined> {
  const parsed = (await jsonFromArchive(archive, REPORT_READ.policy)) as AgentReport | undefined;
  return typeof parsed === 'object' && parsed !== null && typeof parsed.status === 'string' ? parsed : undefined;
}

/**
 * The JSON in the archive of one file path; undefined when that file is not JSON. Throws
 * TarballError when the archive is not one regular file within `policy` (reading stops there).
 */
export async function jsonFromArchive(archive: AsyncIterable<Buffer> | Buffer, policy: TarPolicy): Promise<unknown> {
  let text: string | undefined;
  for await (const { entry, body } of readTar(Buffer.isBuffer(archive) ? [archive] : archive, policy)) {
    if (entry.type !== 'file') {
      throw new TarballError('unsupported-entry', `${policy.words.folder} is a ${entry.type}; ${policy.words.remedy}`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    text = Buffer.concat(chunks).toString('utf8');
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
