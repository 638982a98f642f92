/**
 * Webhooks: every run and step event POSTed as JSON to each `--webhook URL`, signed with
 * HMAC-SHA256 of the exact body under `CARAVAN_WEBHOOK_SECRET` (`x-caravan-signature:
 * sha256=<hex>`). Deliveries are queued in the background, retried with exponential backoff a
 * bounded number of times, and never block or fail the run. `flush` waits (bounded) for the rest.
 */
import { createHmac } from 'node:crypto';
import { request } from 'undici';

export interface WebhookOptions {
  urls: string[];
  secret?: string;
  /** Attempts per delivery (default 4). */
  attempts?: number;
  /** First backoff in ms (default 500), doubled each retry. */
  backoffMs?: number;
  timeoutMs?: number;
  /** Called when a delivery is given up (for the run's event log). */
  onGiveUp?(url: string, type: string, reason: string): void;
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookDispatcher {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: WebhookOptions) {}

  send(event: { type: string } & Record<string, unknown>): void {
    const body = JSON.stringify(event);
    for (const url of this.opts.urls) {
      const p = this.deliver(url, event.type, body).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  private async deliver(url: string, type: string, body: string): Promise<void> {
    const attempts = this.opts.attempts ?? 4;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-caravan-event': type };
    if (this.opts.secret) headers['x-caravan-signature'] = signBody(body, this.opts.secret);
    let reason = '';
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 500) * 2 ** (i - 1)));
      try {
        const res = await request(url, {
          method: 'POST',
          headers,
          body,
          headersTimeout: this.opts.timeoutMs ?? 5000,
          bodyTimeout: this.opts.timeoutMs ?? 5000,
        });
        await res.body.dump();
        if (res.statusCode < 300) return;
        reason = `HTTP ${res.statusCode}`;
        if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) break;
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    this.opts.onGiveUp?.(url, type, reason);
  }

  /** Waits for queued deliveries, at most `maxMs`. */
  async flush(maxMs = 10_000): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => (timer = setTimeout(r, maxMs)))]);
    clearTimeout(timer);
  }
}
