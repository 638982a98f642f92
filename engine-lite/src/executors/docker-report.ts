/** Reads the agent's report file out of a container's archive (a tar holding one file). */
import { readTar, TarballError, type TarPolicy } from '@caravan/registry';
import type { AgentReport } from '@caravan/spec';

const MAX_REPORT_BYTES = 16 * 1024 * 1024;

/** The archive of one file path: exactly one regular file, read with the registry's strict tar reader. */
const REPORT_POLICY: TarPolicy = {
  maxEntries: 1,
  maxBytes: MAX_REPORT_BYTES,
  maxPathBytes: 4096,
  symlinks: false,
  // Container runtimes may record extended attributes; they do not change the file's bytes.
  ignoreXattrs: true,
  words: {
    archive: 'report archive',
    folder: 'the report path',
    remedy: 'the report must be a regular file',
    shrink: 'the report must be smaller',
  },
};

/** The report, or undefined when the archive is not one regular file holding a report. */
export async function reportFromArchive(archive: Buffer): Promise<AgentReport | undefined> {
  const parsed = (await jsonFromArchive(archive)) as AgentReport | undefined;
  return typeof parsed === 'object' && parsed !== null && typeof parsed.status === 'string' ? parsed : undefined;
}

/** The JSON in the archive of one file path; undefined when it is not one regular file holding JSON. */
export async function jsonFromArchive(archive: Buffer): Promise<unknown> {
  let text: string | undefined;
  try {
    for await (const { entry, body } of readTar([archive], REPORT_POLICY)) {
      if (entry.type !== 'file') return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      text = Buffer.concat(chunks).toString('utf8');
    }
  } catch (err) {
    if (err instanceof TarballError) return undefined;
    throw err;
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
