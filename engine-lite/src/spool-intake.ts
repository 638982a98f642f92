/**
 * What an agent spooled while no engine listened (agent/src/spool.ts: `spool.jsonl`, one
 * `{route, body}`, `{route: 'logs', body64, type}` (log records) or `{route: 'files/<name>', bodyFile}`
 * a line, file bodies beside it), taken in
 * at the end of its attempt through the same handlers as the callback API: log batches are
 * idempotent by sequence number, files are content-addressed, so what was delivered already is
 * not stored twice. The folder is removed with the task, after the attempt's result is stored.
 * A container may have written into it (a bound task folder), so its files are read as task files:
 * regular ones only, never through a symlink, within the agent's spool limit.
 */
import { basename, join } from 'node:path';
import { SPOOL_MAX_BYTES } from '@caravan/agent';
import type { CallbackHandlers, TaskGrant } from './callback/server.js';
import { parseEventBatch, parseLogBatch, parseLogBody, parseReport } from './callback/validate.js';
import { readTaskFile, streamTaskFile, type TaskFileRule } from './task-file.js';

/** The agent's spool: at most 64 MiB, its queue and the file bodies beside it. */
export const MAX_SPOOL_BYTES = SPOOL_MAX_BYTES;
const REMEDY = 'the spool folder must hold only what the agent writes there; the action must not write to it';
const QUEUE_RULE: TaskFileRule = { maxBytes: MAX_SPOOL_BYTES, what: "the agent's spool", remedy: REMEDY };

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
  const queue = await readTaskFile(join(dir, 'spool.jsonl'), QUEUE_RULE);
  if (!queue) return undefined;
  const g: TaskGrant = { ...grant, tokenSha256: '' };
  const out: SpoolIntake = { delivered: 0, unreadable: 0, fileErrors: [] };
  let budget = MAX_SPOOL_BYTES - queue.length;
  for (const line of queue.toString('utf8').split('\n')) {
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
          const rule = { maxBytes: budget, what: `the spooled body of file ${JSON.stringify(name)}`, remedy: REMEDY };
          const opened = await streamTaskFile(join(dir, basename(req.bodyFile)), rule);
          if (!opened) throw new Error(`its body ${basename(req.bodyFile)} is missing from the spool`);
          budget -= opened.size;
          await handlers.file(g, name, opened.body);
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
