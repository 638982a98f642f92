/** Reads the agent's report file out of a container's archive (a tar holding one file). */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { AgentReport } from '@caravan/spec';

const MAX_REPORT_BYTES = 16 * 1024 * 1024;

export async function reportFromArchive(archive: Buffer): Promise<AgentReport | undefined> {
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  for await (const entry of extract) {
    if (entry.header.type !== 'file' || (entry.header.size ?? 0) > MAX_REPORT_BYTES) {
      entry.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentReport;
      return typeof parsed === 'object' && parsed !== null && typeof parsed.status === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
