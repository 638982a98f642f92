/** What `caravan pipelines …` share: they talk to a server only (registered pipelines live there). */
import { UsageError } from '../base-command.js';
import type { ServerClient } from './server-client.js';
import { serverClient } from './server-client.js';

export interface PipelineDetail {
  name: string;
  revision: number;
  file: string;
  createdAt: number;
  schedules: Array<{ cron: string; timezone: string; catchUp: string; maxCatchUp: number; next: number[] }>;
  webhook?: { secret: string; path: string };
}

export function requireServer(flags: { server?: string | undefined }): ServerClient {
  const client = serverClient(flags);
  if (!client)
    throw new UsageError('registered pipelines live on a caravan server, and none is named', {
      hint: 'pass --server URL or set CARAVAN_SERVER (and CARAVAN_SERVER_TOKEN)',
    });
  return client;
}

export const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
