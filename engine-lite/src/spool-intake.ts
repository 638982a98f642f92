/**
 * What an agent spooled while no engine listened (agent/src/spool.ts: `spool.jsonl`, one
 * `{route, body}`, `{route: 'logs', body64, type}` (log records) or `{route: 'files/<name>', bodyFile}`
 * a line, file bodies beside it), taken in
 * at the end of its attempt through the same handlers as the callback API: log batches are
 * idempotent by sequence number, files are content-addressed, so what was delivered already is
 * not stored twice. The folder is removed with the task, after the attempt's result is stored.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CallbackHandlers, TaskGrant } from './callback/server.js';
import { parseEventBatch, parseLogBatch, parseLogBody, parseReport } from './callback/validate.js';

export interface SpoolIntake {
  /** Requests taken in (duplicates included). */
  delivered: number;
  /** Requests that could not be read or taken in (a line cut short by a kill, a bad body). */
  unreadable: number;
  /** Declared files that could not be stored: `<name>: <why>`. */
  fileErrors: string[];
}

export async function ingestSpool(
  dir: string,
  grant: Omit<TaskGrant, 'tokenSha256'>,
  handlers: CallbackHandlers,
): Promise<SpoolIntake | undefined> {
  const file = join(dir, 'spool.jsonl');
  if (!existsSync(file)) return undefined;
  const g: TaskGrant = { ...grant, tokenSha256: '' };
  const out: SpoolIntake = { delivered: 0, unreadable: 0, fileErrors: [] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let req: { route?: unknown; body?: unknown; body64?: unknown; type?: unknown; bodyFile?: unknown };
    try {
      req = JSON.parse(line) as typeof req;
    } catch {
      out.unreadable++;
      continue;
    }
    const route = typeof req.route === 'string' ? req.route : '';
    try {
      if (route.startsWith('files/') && typeof req.bodyFile === 'string') {
        const name = decodeURIComponent(route.slice('files/'.length));
        try {
          await handlers.file(g, name, createReadStream(join(dir, basename(req.bodyFile))));
        } catch (err) {
          out.fileErrors.push(`${name}: ${(err as Error).message}`);
          continue;
        }
      } else if (route === 'logs' && typeof req.body64 === 'string') {
        await handlers.logs(g, parseLogBody(String(req.type), Buffer.from(req.body64, 'base64')));
      } else {
        const body = JSON.parse(String(req.body)) as unknown;
        if (route === 'logs') await handlers.logs(g, parseLogBatch(body));
        else if (route === 'events') await handlers.events(g, parseEventBatch(body));
        else if (route === 'report') await handlers.report(g, parseReport(body));
        else throw new Error(`unknown route ${route}`);
      }
      out.delivered++;
    } catch {
      out.unreadable++;
    }
  }
  return out;
}
