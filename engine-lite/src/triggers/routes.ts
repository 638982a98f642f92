/**
 * The routes of registered pipelines and webhooks, added to the server's app by one call.
 * Roles: `viewer` reads (GET /v1/pipelines, GET /v1/pipelines/{name}); `runner` (and `admin`)
 * writes (POST /v1/pipelines, PUT and DELETE /v1/pipelines/{name}, POST /v1/pipelines/{name}/runs),
 * but only `admin` registers a pipeline that uses stored secrets (registration-checks.ts).
 * `POST /v1/hooks/{name}` takes no token: the signature is its authentication.
 */
import type { FastifyInstance, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { ApiError } from '../server/api-error.js';
import { roleAllows } from '../server/tokens.js';
import { objectBody, optInt, optParams, optString, optStringMap } from '../server/request-checks.js';
import type { RegisteredPipelines, SecretLookup } from '../pipelines/registered-pipelines.js';
import type { Scheduler } from './scheduler.js';
import { HOOK_BODY_LIMIT } from './webhook.js';
import type { WebhookIntake } from './webhook.js';

export interface TriggerParts {
  pipelines: RegisteredPipelines;
  scheduler: Scheduler;
  hooks: WebhookIntake;
  secret: SecretLookup;
}

export interface RoleHooks {
  viewer: RouteShorthandOptions;
  runner: RouteShorthandOptions;
}

const PIPELINE_LIMIT = 512 * 1024;

export function registerTriggerRoutes(app: FastifyInstance, roles: RoleHooks, t: TriggerParts): void {
  const register = async (req: FastifyRequest, name?: string) => {
    const b = objectBody(req.body);
    const principal = req.principal!;
    const source = optString(b, 'pipeline', PIPELINE_LIMIT);
    if (source === undefined)
      throw new ApiError(
        400,
        'invalid-request',
        '"pipeline" is required: the pipeline YAML text',
        'send {"pipeline": "<the text of pipeline.yml>"}',
      );
    const { revision, warnings } = await t.pipelines.add(
      source,
      optString(b, 'file', 256) ?? 'pipeline.yml',
      { name: principal.name, role: principal.role, admin: roleAllows(principal.role, 'admin') },
      name ?? optString(b, 'name', 100),
      t.secret,
    );
    void t.scheduler.poke();
    return { name: revision.name, revision: revision.revision, warnings };
  };

  app.get('/v1/pipelines', roles.viewer, async () => ({
    pipelines: (await t.pipelines.list()).map((r) => ({
      name: r.name,
      revision: r.revision,
      file: r.file,
      createdAt: r.createdAt,
    })),
  }));
  app.post('/v1/pipelines', roles.runner, async (req, reply) => reply.code(201).send(await register(req)));
  app.put('/v1/pipelines/:name', roles.runner, async (req, reply) => {
    const { name } = req.params as { name: string };
    return reply.code(201).send(await register(req, name));
  });
  app.get('/v1/pipelines/:name', roles.viewer, async (req) => {
    const { name } = req.params as { name: string };
    return t.pipelines.view(await t.pipelines.get(name));
  });
  app.delete('/v1/pipelines/:name', roles.runner, async (req) => {
    const { name } = req.params as { name: string };
    await t.pipelines.remove(name);
    return { name, removed: true };
  });
  app.post('/v1/pipelines/:name/runs', roles.runner, async (req, reply) => {
    const { name } = req.params as { name: string };
    const b = objectBody(req.body ?? {});
    const r = await t.pipelines.get(name);
    const run = await t.pipelines.start(r, {
      trigger: 'api',
      params: optParams(b, 'params'),
      secrets: optStringMap(b, 'secrets'),
      priority: optInt(b, 'priority', -1000, 1000),
      labels: optStringMap(b, 'labels'),
      executor: optString(b, 'executor', 32),
    });
    return reply.code(201).send({ id: run!.id, pipeline: r.name, revision: r.revision });
  });

  // The signature covers the raw bytes: this scope reads every body as a Buffer.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/v1/hooks/:name', async (req, reply) => {
      const { name } = req.params as { name: string };
      const answer = await t.hooks.receive({
        pipeline: name,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        contentType: req.headers['content-type'],
        headers: req.headers,
      });
      return reply.code(answer.status).send(answer.body);
    });
  });
}
