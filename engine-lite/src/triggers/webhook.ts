/**
 * Incoming webhooks: `POST /v1/hooks/<pipeline>` signed as GitHub and Gitea sign them
 * (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`) starts a run of the registered
 * pipeline with the payload as `${{ event.* }}`. A delivery id seen within REPLAY_WINDOW_MS is
 * answered 202 and starts nothing; the id is claimed with the run, so this holds across restarts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import { parseOrThrow } from '../pipelines/registered-pipelines.js';
import type { RegisteredPipelines, SecretLookup } from '../pipelines/registered-pipelines.js';
import type { PipelineStore } from '../pipelines/pipeline-store.js';
import { ApiError, notFound } from '../server/api-error.js';

export const REPLAY_WINDOW_MS = 60 * 60_000;
export const HOOK_BODY_LIMIT = 1024 * 1024;

/** `sha256=<hex>` of `body` under `secret`, as GitHub sends it. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a `X-Hub-Signature-256` header. */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header.toLowerCase());
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface HookRequest {
  pipeline: string;
  body: Buffer;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export type HookAnswer =
  | { status: 200; body: { pong: true; note: string } }
  | { status: 201; body: { id: string; pipeline: string; revision: number } }
  | { status: 202; body: { ignored: true; note: string; runId?: string } };

const header = (h: HookRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export class WebhookIntake {
  constructor(
    private readonly pipelines: RegisteredPipelines,
    private readonly store: PipelineStore,
    private readonly secret: SecretLookup,
    private readonly clock: Clock,
  ) {}

  async receive(req: HookRequest): Promise<HookAnswer> {
    const r = await this.pipelines.get(req.pipeline);
    const hook = parseOrThrow(r.source, r.file).on?.webhook;
    if (!hook)
      throw notFound(
        `pipeline "${r.name}" has no webhook trigger`,
        'add on: { webhook: { secret: NAME } } to it and register it again',
      );
    const secret = await this.secret(r.name, hook.secret);
    const unauthorized = (message: string) =>
      new ApiError(
        401,
        'bad-signature',
        message,
        'sign the raw body with HMAC-SHA256 under the pipeline webhook secret, sent as X-Hub-Signature-256: sha256=<hex>',
      );
    if (secret === undefined)
      throw unauthorized(
        `the webhook secret "${hook.secret}" of "${r.name}" is not stored, so no delivery can be checked`,
      );
    const signature = header(req.headers, 'x-hub-signature-256');
    if (!signature) throw unauthorized('the X-Hub-Signature-256 header is missing');
    if (!signatureMatches(secret, req.body, signature)) throw unauthorized('the signature does not match the body');

    // GitHub's (and Gitea's) check that a new hook works: answered, nothing starts.
    if (header(req.headers, 'x-github-event') === 'ping' || header(req.headers, 'x-gitea-event') === 'ping')
      return { status: 200, body: { pong: true, note: `the signature is right; deliveries start runs of ${r.name}` } };
    const event = parsePayload(req.body, req.contentType);
    const now = this.clock.now();
    const since = now - REPLAY_WINDOW_MS;
    const delivery = header(req.headers, 'x-github-delivery') ?? header(req.headers, 'x-gitea-delivery');
    const replay = (runId?: string): HookAnswer => ({
      status: 202,
      body: {
        ignored: true,
        note: `delivery ${delivery} was received within the last hour${runId ? ` and started run ${runId}` : ''}; a replay starts nothing`,
        ...(runId ? { runId } : {}),
      },
    });
    if (delivery !== undefined) {
      const earlier = await this.store.deliveryRun(r.name, delivery, since);
      if (earlier) return replay(earlier);
    }
    const run = await this.pipelines.start(r, {
      trigger: 'webhook',
      event,
      ...(delivery !== undefined
        ? { claim: { kind: 'delivery' as const, pipeline: r.name, delivery, at: now, since } }
        : {}),
    });
    if (!run) return replay(await this.store.deliveryRun(r.name, delivery!, since));
    return { status: 201, body: { id: run.id, pipeline: r.name, revision: r.revision } };
  }
}

/** JSON, or a form with a `payload` field (GitHub's application/x-www-form-urlencoded). */
function parsePayload(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = body.toString('utf8');
  const json = /application\/x-www-form-urlencoded/i.test(contentType ?? '')
    ? (new URLSearchParams(text).get('payload') ?? '')
    : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ApiError(
      400,
      'invalid-payload',
      'the payload is not JSON',
      'send the event as a JSON object (content type application/json)',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'invalid-payload', 'the payload is not a JSON object', 'send the event as a JSON object');
  return value as Record<string, unknown>;
}
