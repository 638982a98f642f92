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
import { installAccessLog } from './access-log.js';
import { installErrorHandler } from './error-handler.js';
import { loadOpenapi } from './openapi.js';

export interface ServerOptions {
  /** Where internal errors are reported (never with a token in them). Defaults to stderr. */
  logError?: (line: string) => void;
  /** Where one line per request goes (see access-log.ts); absent: no access log. */
  accessLog?: (line: string) => void;
}

type Params = Record<string, string | undefined>;
const JSON_LIMIT = 64 * 1024;
const TARBALL_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

function actionName(req: FastifyRequest): string {
  const p = req.params as Params;
  return [p['s1'], p['s2'], p['s3']].filter((s): s is string => s !== undefined).join('/');
}

function param(req: FastifyRequest, key: string): string {
  return (req.params as Params)[key] ?? '';
}

function query(req: FastifyRequest, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new RegistryError(
      400,
      'invalid-query',
      `query parameter "${key}" must be given once`,
      `send ?${key}=… a single time`,
    );
  return v;
}

function intQuery(req: FastifyRequest, key: string, fallback: number, max: number): number {
  const raw = query(req, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new RegistryError(
      400,
      'invalid-query',
      `"${key}" must be an integer from 1 to ${max}`,
      `for example ?${key}=${fallback}`,
    );
  return n;
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
  const app = Fastify({
    bodyLimit: JSON_LIMIT,
    routerOptions: { maxParamLength: 300 },
    requestTimeout: 120_000,
    forceCloseConnections: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  installErrorHandler(app, options.logError ?? ((line) => process.stderr.write(`${line}\n`)));
  app.addContentTypeParser(TARBALL_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const openapi = JSON.stringify(loadOpenapi());
  const who = (req: FastifyRequest) => registry.principal(req.headers.authorization);
  if (options.accessLog) installAccessLog(app, options.accessLog, async (req) => (await who(req)).user || undefined);

  const onName = (
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    suffix: string,
    handler: RouteHandlerMethod,
    extra: { schema?: object; bodyLimit?: number; onRequest?: onRequestHookHandler } = {},
  ) => {
    for (const prefix of ['/v1/actions/:s1/:s2', '/v1/actions/:s1/:s2/:s3'])
      app.route({ method, url: `${prefix}/-${suffix}`, handler, ...extra });
  };

  onName(
    'PUT',
    '/versions/:version',
    async (req, reply) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!TARBALL_TYPES.includes(type)) {
        throw new RegistryError(
          415,
          'unsupported-media-type',
          `a publish body must be a gzip'd tarball, not "${type.slice(0, 80) || 'nothing'}"`,
          'send the bytes from `caravan action pack` with content-type application/gzip',
        );
      }
      const integrity = req.headers['x-caravan-integrity'];
      if (Array.isArray(integrity))
        throw new RegistryError(400, 'invalid-header', 'x-caravan-integrity was sent more than once', 'send it once');
      const out = await registry.publish(await who(req), actionName(req), param(req, 'version'), req.body, integrity);
      return reply.code(201).send(out);
    },
    {
      bodyLimit: registry.limits.maxCompressedBytes,
      // Refuse callers without the role before reading up to 10 MB of body.
      onRequest: async (req) => {
        requireRole(await who(req), parseActionName(actionName(req)).scope, 'publisher', 'publish');
      },
    },
  );

  // The two hottest routes send JSON text the registry serialised once per store epoch.
  onName('GET', '/versions', async (req, reply) =>
    reply.type('application/json; charset=utf-8').send(await registry.versionsJson(await who(req), actionName(req))),
  );

  onName('GET', '/resolve', async (req, reply) => {
    const include = query(req, 'includePrerelease');
    const json = await registry.resolveJson(
      await who(req),
      actionName(req),
      query(req, 'range') ?? '',
      include === 'true' || include === '1',
    );
    return reply.type('application/json; charset=utf-8').send(json);
  });

  onName('GET', '/versions/:version', async (req) =>
    registry.version(await who(req), actionName(req), param(req, 'version')),
  );

  onName('GET', '/versions/:version/tarball', async (req, reply: FastifyReply) => {
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
    onName('POST', `/versions/:version/${suffix}`, async (req, reply) => {
      await registry.setYanked(await who(req), actionName(req), param(req, 'version'), yanked);
      return reply.code(204).send();
    });
  }

  onName('DELETE', '/versions/:version', async (req, reply) => {
    await registry.delete(await who(req), actionName(req), param(req, 'version'));
    return reply.code(204).send();
  });

  onName(
    'PUT',
    '/dist-tags/:tag',
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

  app.get('/v1/search', async (req) => {
    const text = query(req, 'q');
    const category = query(req, 'category');
    const scope = query(req, 'scope');
    const q: { text?: string; category?: string; scope?: string; limit: number } = {
      limit: intQuery(req, 'limit', 20, 100),
    };
    if (text) q.text = text.slice(0, 200);
    if (category) q.category = category;
    if (scope) q.scope = scope;
    const hits = await registry.search(await who(req), q);
    return {
      results: hits.map((h) => ({
        name: h.name,
        version: h.version,
        description: h.description,
        ...(h.category ? { category: h.category } : {}),
      })),
    };
  });

  app.get('/v1/audit', async (req) => {
    const scope = query(req, 'scope');
    if (!scope)
      throw new RegistryError(
        400,
        'invalid-query',
        'the audit log needs ?scope=ORG',
        'for example /v1/audit?scope=acme',
      );
    const entries = await registry.audit(await who(req), scope, intQuery(req, 'limit', 100, 1000));
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

  app.get('/v1/whoami', async (req) => registry.whoami(await who(req)));

  app.post(
    '/v1/tokens',
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
    async (req, reply) => {
      const body = req.body as { scopes: string[]; access: 'read' | 'publish' };
      return reply.code(201).send(await registry.createToken(await who(req), body.scopes, body.access));
    },
  );

  app.delete('/v1/tokens/:id', async (req, reply) => {
    await registry.revokeToken(await who(req), param(req, 'id'));
    return reply.code(204).send();
  });

  app.get('/v1/openapi.json', async (_req, reply) => reply.type('application/json').send(openapi));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
