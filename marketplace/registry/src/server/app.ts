/**
 * The registry's HTTP API on fastify 5 (see spec/openapi/registry.yaml). Routes are thin: they
 * read the request, call one Registry method and shape the answer.
 */
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestHookHandler,
  type RouteHandlerMethod,
} from 'fastify';
import { requireRole } from '../auth/principal.js';
import { parseActionName } from '../names.js';
import { RegistryError } from '../errors.js';
import type { Registry } from '../registry.js';
import { installStorefront } from '../storefront/routes.js';
import { installAccessLog } from './access-log.js';
import { installBodyDeadline } from './body-deadline.js';
import { TARBALL_TYPES } from './body-rules.js';
import { contractHook, type RouteContract } from './contract.js';
import { installExpectContinue } from './expect-continue.js';
import { parseJsonBody } from './json-body.js';
import { MethodTable } from './method-table.js';
import { queryRules as q } from './query-rules.js';
import { installGuards } from './request-guards.js';
import { clientErrorHandler, frameworkErrors, installErrorHandler, refuseConnect } from './error-handler.js';
import { loadOpenapi } from './openapi.js';
import { installCatalogRoutes } from './catalog-routes.js';
import { intQuery, query } from './query.js';

export interface ServerOptions {
  /** Where internal errors are reported (never with a token in them). Defaults to stderr. */
  logError?: (line: string) => void;
  /** Where one line per request goes (see access-log.ts); absent: no access log. */
  accessLog?: (line: string) => void;
  /** How long a request may take to arrive in full before it is answered 408 (default 120 s). */
  requestTimeoutMs?: number;
}

type Params = Record<string, string | undefined>;
const JSON_LIMIT = 64 * 1024;
export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

function actionName(req: FastifyRequest): string {
  const p = req.params as Params;
  return [p['s1'], p['s2'], p['s3']].filter((s): s is string => s !== undefined).join('/');
}

function param(req: FastifyRequest, key: string): string {
  return (req.params as Params)[key] ?? '';
}

function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim().replace(/^W\//, ''));
  return list.includes('*') || list.includes(etag);
}

const stringBody = (props: Record<string, object>, required: string[]) => ({
  type: 'object',
  properties: props,
  required,
  additionalProperties: false,
});

export function createServer(registry: Registry, options: ServerOptions = {}): FastifyInstance {
  const requestTimeout = options.requestTimeoutMs ?? 120_000;
  const app = Fastify({
    bodyLimit: JSON_LIMIT,
    routerOptions: { maxParamLength: 300 },
    requestTimeout,
    http: {
      requireHostHeader: false,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4))),
    },
    forceCloseConnections: true,
    return503OnClosing: false,
    clientErrorHandler,
    frameworkErrors,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const methods = new MethodTable();
  const logError = options.logError ?? ((line: string) => process.stderr.write(`${line}\n`));
  installErrorHandler(app, logError, methods);
  installGuards(app);
  installExpectContinue(app);
  installBodyDeadline(app, requestTimeout);
  app.server.on('connect', (_req, socket) => refuseConnect(socket));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(TARBALL_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const openapi = JSON.stringify(loadOpenapi());
  const who = (req: FastifyRequest) => registry.principal(req.headers.authorization);
  if (options.accessLog) installAccessLog(app, options.accessLog, async (req) => (await who(req)).user || undefined);

  /** Every route goes through here: its contract (query, body) is checked before anything else is read. */
  const route = (
    method: Method,
    url: string,
    contract: RouteContract,
    handler: RouteHandlerMethod,
    extra: { schema?: object; bodyLimit?: number; onRequest?: onRequestHookHandler } = {},
  ) => {
    methods.add(method, url);
    const { onRequest, ...rest } = extra;
    app.route({
      method,
      url,
      handler,
      ...rest,
      onRequest: [...(onRequest ? [onRequest] : []), contractHook(contract)],
    });
  };
  const onName = (
    method: Method,
    suffix: string,
    contract: RouteContract,
    handler: RouteHandlerMethod,
    extra: { schema?: object; bodyLimit?: number; onRequest?: onRequestHookHandler } = {},
  ) => {
    for (const prefix of ['/v1/actions/:s1/:s2', '/v1/actions/:s1/:s2/:s3'])
      route(method, `${prefix}/-${suffix}`, contract, handler, extra);
  };
  const none: RouteContract = { body: 'none' };

  onName(
    'PUT',
    '/versions/:version',
    { body: 'tarball' },
    async (req, reply) => {
      const integrity = req.headers['x-caravan-integrity'];
      if (Array.isArray(integrity))
        throw new RegistryError(400, 'invalid-header', 'x-caravan-integrity was sent more than once', 'send it once');
      const out = await registry.publish(await who(req), actionName(req), param(req, 'version'), req.body, integrity);
      return reply.code(201).send(out);
    },
    {
      bodyLimit: registry.limits.maxCompressedBytes,
      // Refuse callers without the role before reading up to 10 MB of body (and before 100 Continue).
      onRequest: async (req) => {
        requireRole(await who(req), parseActionName(actionName(req)).scope, 'publisher', 'publish');
      },
    },
  );

  // The two hottest routes send JSON text the registry serialised once per store epoch.
  onName('GET', '/versions', none, async (req, reply) =>
    reply.type('application/json; charset=utf-8').send(await registry.versionsJson(await who(req), actionName(req))),
  );

  const resolveQuery = { range: q.text(), includePrerelease: q.flag() };
  onName('GET', '/resolve', { body: 'none', query: resolveQuery }, async (req, reply) => {
    const include = query(req, 'includePrerelease');
    const json = await registry.resolveJson(
      await who(req),
      actionName(req),
      query(req, 'range') ?? '',
      include === 'true' || include === '1',
    );
    return reply.type('application/json; charset=utf-8').send(json);
  });

  onName('GET', '/versions/:version', none, async (req) =>
    registry.version(await who(req), actionName(req), param(req, 'version')),
  );

  onName('GET', '/versions/:version/tarball', none, async (req, reply: FastifyReply) => {
    const { integrity, sha256 } = await registry.tarball(await who(req), actionName(req), param(req, 'version'));
    const etag = `"${integrity}"`;
    reply
      .header('etag', etag)
      .header('x-caravan-integrity', integrity)
      .header('cache-control', 'public, max-age=31536000, immutable');
    if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.type('application/gzip').send(await registry.blobs.get(sha256));
  });

  onName(
    'POST',
    '/versions/:version/deprecate',
    { body: 'json' },
    async (req, reply) => {
      await registry.deprecate(
        await who(req),
        actionName(req),
        param(req, 'version'),
        (req.body as { message: string }).message,
      );
      return reply.code(204).send();
    },
    { schema: { body: stringBody({ message: { type: 'string', maxLength: 2000 } }, ['message']) } },
  );

  for (const [suffix, yanked] of [
    ['yank', true],
    ['unyank', false],
  ] as const) {
    // The body is optional; when sent, it is the empty object (the CLI sends {}).
    onName('POST', `/versions/:version/${suffix}`, { body: 'optional-json' }, async (req, reply) => {
      const body: unknown = req.body;
      if (
        body !== undefined &&
        (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0)
      )
        throw new RegistryError(400, 'invalid-request', `the body of ${suffix} must be {} or nothing`, 'send no body');
      await registry.setYanked(await who(req), actionName(req), param(req, 'version'), yanked);
      return reply.code(204).send();
    });
  }

  onName('DELETE', '/versions/:version', none, async (req, reply) => {
    await registry.delete(await who(req), actionName(req), param(req, 'version'));
    return reply.code(204).send();
  });

  onName(
    'PUT',
    '/dist-tags/:tag',
    { body: 'json' },
    async (req, reply) => {
      await registry.setDistTag(
        await who(req),
        actionName(req),
        param(req, 'tag'),
        (req.body as { version: string }).version,
      );
      return reply.code(204).send();
    },
    { schema: { body: stringBody({ version: { type: 'string', maxLength: 256 } }, ['version']) } },
  );

  installCatalogRoutes({ registry, route, onName, who, actionName });

  const auditQuery = { scope: q.text(), limit: q.integer(1, 1000, 100) };
  route('GET', '/v1/audit', { body: 'none', query: auditQuery }, async (req) => {
    const scope = query(req, 'scope');
    if (!scope)
      throw new RegistryError(
        400,
        'invalid-query',
        'the audit log needs ?scope=ORG',
        'for example /v1/audit?scope=acme',
      );
    const entries = await registry.audit(await who(req), scope, intQuery(req, 'limit', 100));
    return {
      entries: entries.map((e) => ({
        at: e.at,
        user: e.user,
        tokenId: e.tokenId,
        action: e.action,
        target: e.target,
        detail: e.detail,
      })),
    };
  });

  route('GET', '/v1/whoami', none, async (req) => registry.whoami(await who(req)));

  route(
    'POST',
    '/v1/tokens',
    { body: 'json' },
    async (req, reply) => {
      const body = req.body as { scopes: string[]; access: 'read' | 'publish' };
      return reply.code(201).send(await registry.createToken(await who(req), body.scopes, body.access));
    },
    {
      schema: {
        body: stringBody(
          {
            scopes: { type: 'array', items: { type: 'string', maxLength: 200 }, minItems: 1, maxItems: 50 },
            access: { type: 'string', enum: ['read', 'publish'] },
          },
          ['scopes', 'access'],
        ),
      },
    },
  );

  route('DELETE', '/v1/tokens/:id', none, async (req, reply) => {
    await registry.revokeToken(await who(req), param(req, 'id'));
    return reply.code(204).send();
  });

  route('GET', '/v1/openapi.json', none, async (_req, reply) => reply.type('application/json').send(openapi));
  route('GET', '/healthz', none, async () => ({ ok: true }));
  installStorefront(app, registry, logError);
  return app;
}
