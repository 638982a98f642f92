/**
 * The service's HTTP API (fastify), described in spec/openapi/engine.yaml: runs, their logs and
 * events as Server-Sent Events, cancel, rerun, approve, priority, the queue, health and metrics.
 * Every route but /healthz and /v1/openapi.json needs a bearer token with a role (tokens.ts).
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { ApiError, notFound } from './api-error.js';
import { installRunPages } from './pages/routes.js';
import { serviceMetrics } from './metrics.js';
import { loadEngineOpenapi } from './openapi.js';
import { objectBody, optBool, optInt, optParams, optString, optStringMap, queryLimit } from './request-checks.js';
import { parseQueueCursor } from './queue-view.js';
import { listRuns, runDetail } from './run-views.js';
import type { Role, ServerStore, TokenRecord } from './server-store.js';
import type { EngineService } from './service.js';
import { registerTriggerRoutes } from '../triggers/routes.js';
import type { TriggerParts } from '../triggers/routes.js';
import { RunStreams } from './streams.js';
import { registerSecretRoutes } from '../secret-store/secret-routes.js';
import type { RotationResult } from '../secret-store/rotate-key.js';
import type { SecretStore } from '../secret-store/secret-store.js';
import { roleAllows, tokenSha } from './tokens.js';

/** JSON bodies: a pipeline's text with params, secrets and labels fits well under this. */
export const BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: TokenRecord;
  }
}

export interface AppParts {
  service: EngineService;
  server: ServerStore;
  clock: Clock;
  logPollMs?: number;
  /** Registered pipelines, schedules and webhooks (triggers/). */
  triggers?: TriggerParts;
  /** Stored secrets, served under /v1/secrets. */
  stored?: SecretStore;
  /** POST /v1/secrets/rotate-key: rotates the key of the running server. */
  rotateKey?: () => RotationResult;
}

export function buildApp({ service, server, clock, logPollMs, triggers, stored, rotateKey }: AppParts): {
  app: FastifyInstance;
  streams: RunStreams;
  /** Every route answered, as `get /v1/runs/:id` (HEAD left out). */
  routes: string[];
} {
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger: false, return503OnClosing: true, forceCloseConnections: true });
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m.toLowerCase()} ${r.url}`);
  });
  const streams = new RunStreams(service.engine, clock, logPollMs);
  const metrics = serviceMetrics(service);
  const openapi = loadEngineOpenapi();

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.body());
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply
        .code(413)
        .send(
          new ApiError(
            413,
            'body-too-large',
            `the body is over ${BODY_LIMIT} bytes`,
            'send a smaller pipeline or fewer params',
          ).body(),
        );
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return reply
        .code(err.statusCode)
        .send(
          new ApiError(
            err.statusCode,
            'bad-request',
            'the request is malformed',
            'send JSON as described in GET /v1/openapi.json',
          ).body(),
        );
    return reply.code(500).send(new ApiError(500, 'internal', 'the server failed', 'see the server log').body());
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(notFound(`no route ${req.method} ${req.url.split('?')[0]}`, 'see GET /v1/openapi.json').body()),
  );

  const need = (role: Role) => async (req: FastifyRequest) => {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (!token)
      throw new ApiError(
        401,
        'unauthenticated',
        'a bearer token is required',
        'create one with caravan server token create NAME --role viewer',
      );
    const principal = server.tokenBySha(tokenSha(token));
    if (!principal)
      throw new ApiError(401, 'unauthenticated', 'the token is unknown or revoked', 'ask an admin for a token');
    if (!roleAllows(principal.role, role))
      throw new ApiError(
        403,
        'forbidden',
        `this needs the role ${role}; the token "${principal.name}" is ${principal.role}`,
        `use a token with the role ${role}`,
      );
    req.principal = principal;
  };
  const viewer = { onRequest: need('viewer') };
  const runner = { onRequest: need('runner') };
  if (stored) registerSecretRoutes(app, stored, { viewer, admin: { onRequest: need('admin') } }, rotateKey);

  const runOr404 = async (id: string) => {
    const run = await service.store.getRun(id);
    if (!run) throw notFound(`no run ${id}`, 'list runs with GET /v1/runs');
    return run;
  };
  /** Resolves when the client goes away (or the answer is over). */
  const closed = (reply: FastifyReply) => new Promise<void>((r) => reply.raw.once('close', () => r()));

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/v1/openapi.json', async () => openapi);
  app.get('/metrics', viewer, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));

  app.post('/v1/runs', runner, async (req, reply) => {
    const b = objectBody(req.body);
    const pipeline = optString(b, 'pipeline', BODY_LIMIT);
    if (pipeline === undefined)
      throw new ApiError(
        400,
        'invalid-request',
        '"pipeline" is required: the pipeline YAML text',
        'send {"pipeline": "<the text of pipeline.yml>"}',
      );
    const run = await service.submit({
      pipeline,
      file: optString(b, 'file', 256),
      params: optParams(b, 'params'),
      secrets: optStringMap(b, 'secrets'),
      priority: optInt(b, 'priority', -1000, 1000),
      labels: optStringMap(b, 'labels'),
      executor: optString(b, 'executor', 32),
      files: optStringMap(b, 'files'),
    });
    return reply.code(201).send({ id: run.id });
  });

  app.get('/v1/runs', viewer, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return listRuns(service.store, {
      status: q.status,
      pipeline: q.pipeline,
      label: q.label,
      limit: queryLimit(q.limit),
      cursor: q.cursor,
    });
  });

  app.get('/v1/runs/:id', viewer, async (req) => {
    const { id } = req.params as { id: string };
    return runDetail(service.store, await runOr404(id), await service.entry(id));
  });

  app.patch('/v1/runs/:id', runner, async (req) => {
    const { id } = req.params as { id: string };
    await runOr404(id);
    const priority = optInt(objectBody(req.body), 'priority', -1000, 1000);
    if (priority === undefined)
      throw new ApiError(400, 'invalid-request', '"priority" is required', 'send {"priority": 10}');
    await service.setPriority(id, priority);
    return { id, priority };
  });

  app.get('/v1/runs/:id/logs', viewer, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as Record<string, string | undefined>;
    const run = await runOr404(id);
    if (q.step !== undefined && !run.pipeline.steps.some((s) => s.id === q.step))
      throw notFound(
        `run ${id} has no step "${q.step}"`,
        `its steps: ${run.pipeline.steps.map((s) => s.id).join(', ')}`,
      );
    const follow = q.follow === 'true' || q.follow === '1';
    const gone = closed(reply);
    reply.hijack();
    RunStreams.startSse(reply.raw);
    await streams.logs(id, q.step, follow, reply.raw, gone);
  });

  app.get('/v1/runs/:id/events', viewer, async (req, reply) => {
    const { id } = req.params as { id: string };
    await runOr404(id);
    const gone = closed(reply);
    reply.hijack();
    RunStreams.startSse(reply.raw);
    await streams.events(id, reply.raw, gone);
  });

  app.post('/v1/runs/:id/cancel', runner, async (req) => {
    const { id } = req.params as { id: string };
    return { id, message: await service.cancel(id) };
  });

  app.post('/v1/runs/:id/rerun', runner, async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = objectBody(req.body);
    const run = await service.rerun(id, optBool(b, 'failedOnly') ?? false, optStringMap(b, 'secrets') ?? {});
    return reply.code(201).send({ id: run.id, rerunOf: id });
  });

  app.post('/v1/runs/:id/steps/:step/approve', runner, async (req) => {
    const { id, step } = req.params as { id: string; step: string };
    const b = objectBody(req.body);
    const reject = optBool(b, 'reject') ?? false;
    const comment = optString(b, 'comment', 2000);
    await service.approve(id, step, { reject, ...(comment ? { comment } : {}), by: req.principal!.name });
    return { id, step, decision: reject ? 'rejected' : 'approved' };
  });

  app.get('/v1/queue', viewer, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const page = await service.queuePage(queryLimit(q.limit), parseQueueCursor(q.cursor));
    return { maxRuns: service.maxRuns, ...page };
  });

  if (triggers) registerTriggerRoutes(app, { viewer, runner }, triggers);
  installRunPages(app, { service, server, streams, clock, ...(logPollMs !== undefined ? { logPollMs } : {}) });

  return { app, streams, routes };
}
