/**
 * Tells a process when another registry process wrote to the shared PostgreSQL database: every
 * write transaction sends NOTIFY on CHANNEL (delivered at commit), and this listener bumps an
 * epoch that read caches compare against. While the listening connection is down the epoch is
 * fresh on every read, so nothing is served from cache; it reconnects on its own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const CHANGE_CHANNEL = 'caravan_registry_changes';

export class ChangeListener {
  private counter = 0;
  private healthy = false;
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly config: pg.ClientConfig) {}

  epoch(): string {
    return this.healthy ? `n${this.counter}` : `x${randomBytes(6).toString('hex')}`;
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.config);
    this.client = client;
    const down = () => {
      if (this.client !== client) return;
      this.healthy = false;
      this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.stopped) this.retry = setTimeout(() => void this.start().catch(() => undefined), 1000).unref();
    };
    client.on('error', down);
    client.on('end', down);
    client.on('notification', () => {
      this.counter++;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      this.counter++;
      this.healthy = true;
    } catch {
      down();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.healthy = false;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
