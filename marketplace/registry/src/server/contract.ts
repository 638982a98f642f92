/**
 * What a route accepts, checked in `onRequest`, before fastify reads or parses a byte of the body:
 * the query parameters it knows (each once, each value strict), whether it takes a body, of which
 * media type and how large. So a publish sent as JSON is a 415 rather than a JSON parse error, a
 * 10 GB Content-Length is a 413, and a client that sent `Expect: 100-continue` gets that answer
 * instead of `100 Continue` (see installExpectContinue). Also the method table behind 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { RegistryError } from '../errors.js';
import { parseScope } from '../names.js';

export const TARBALL_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

/** `none`: no body at all; `json`: a JSON body is required; `optional-json`: a JSON body or none. */
export type BodyKind = 'none' | 'json' | 'optional-json' | 'tarball';

/** Checks one query value; throws a RegistryError (400 invalid-query) when it is not acceptable. */
export type QueryRule = (value: string, key: string) => void;

export interface RouteContract {
  body: BodyKind;
  /** The query parameters the route knows; any other is a 400. */
  query?: Record<string, QueryRule>;
}

function invalidQuery(message: string, hint: string): RegistryError {
  return new RegistryError(400, 'invalid-query', message, hint);
}

export const queryRules = {
  text: (): QueryRule => () => undefined,
  flag: (): QueryRule => (value, key) => {
    if (!['true', 'false', '1', '0'].includes(value))
      throw invalidQuery(`"${key}" must be true, false, 1 or 0`, `for example ?${key}=true, or leave it out`);
  },
  integer:
    (min: number, max: number, example: number): QueryRule =>
    (value, key) => {
      const n = /^[0-9]{1,7}$/.test(value) ? Number(value) : NaN;
      if (!(n >= min && n <= max))
        throw invalidQuery(`"${key}" must be an integer from ${min} to ${max}`, `for example ?${key}=${example}`);
    },
  scope: (): QueryRule => (value) => {
    parseScope(value);
  },
};

/** Parses a raw query string strictly: known keys only, each once, valid percent-encoding. */
export function checkQuery(url: string, rules: Record<string, QueryRule>): void {
  const at = url.indexOf('?');
  if (at < 0) return;
  const known = Object.keys(rules);
  const takes = known.length ? `this route takes ${known.map((k) => `?${k}=`).join(', ')}` : 'this route takes none';
  const seen = new Set<string>();
  for (const part of url.slice(at + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw invalidQuery('the query string has a malformed percent-encoding', 'encode each parameter with %XX');
    }
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (!rule) throw invalidQuery(`unknown query parameter "${key.slice(0, 60)}"`, takes);
    if (seen.has(key))
      throw invalidQuery(`query parameter "${key}" must be given once`, `send ?${key}=… a single time`);
    seen.add(key);
    rule(value, key);
  }
}

/** The body's media type, lower case, without parameters; '' when there is no content-type. */
function mediaType(req: FastifyRequest): { type: string; charset: string | undefined } {
  const header = req.headers['content-type'] ?? '';
  const [type = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const p of params) {
    const [k = '', v = ''] = p.split('=');
    if (k.trim().toLowerCase() === 'charset')
      charset = v
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

function checkBody(req: FastifyRequest, kind: BodyKind): void {
  const route = `${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}`;
  const coding = req.headers['transfer-encoding'];
  // Node lets a request through with a Transfer-Encoding that does not end in chunked; its body has no framing.
  if (coding !== undefined && !/(^|,)[ \t]*chunked[ \t]*$/i.test(coding))
    throw new RegistryError(
      400,
      'bad-transfer-encoding',
      'Transfer-Encoding must end with chunked',
      'send Transfer-Encoding: chunked or a Content-Length',
    );
  if (!hasBody(req.raw)) {
    if (kind === 'json')
      throw new RegistryError(
        400,
        'empty-body',
        `${route} needs a JSON body`,
        'send a JSON object with content-type application/json',
      );
    return;
  }
  if (kind === 'none')
    throw new RegistryError(
      400,
      'unexpected-body',
      `${route} takes no request body`,
      'send the request without a body',
    );
  const { type, charset } = mediaType(req);
  const shown = type.slice(0, 80) || 'nothing';
  if (kind === 'tarball' && !TARBALL_TYPES.includes(type))
    throw new RegistryError(
      415,
      'unsupported-media-type',
      `a publish body must be a gzip'd tarball, not "${shown}"`,
      'send the bytes from `caravan action pack` with content-type application/gzip',
    );
  if (kind !== 'tarball' && (type !== 'application/json' || (charset !== undefined && charset !== 'utf-8')))
    throw new RegistryError(
      415,
      'unsupported-media-type',
      `${route} takes application/json in UTF-8, not "${shown}${charset ? `; charset=${charset.slice(0, 40)}` : ''}"`,
      'send a JSON object with content-type application/json',
    );
  const limit = req.routeOptions.bodyLimit;
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > limit)
    throw new RegistryError(
      413,
      'body-too-large',
      `the body (${length} bytes) is larger than the ${limit} bytes ${route} accepts`,
      kind === 'tarball'
        ? 'a tarball is limited to the compressed-size limit: leave large files out with .caravanignore'
        : 'JSON bodies are limited to 64 KB',
    );
}

/**
 * fastify's JSON parser answers one vague error for a syntax error and for a `__proto__` key; this
 * one tells them apart. JSON.parse makes `__proto__` an own property (no pollution), and the key is
 * refused anyway so it never reaches a handler or the store. The walk is iterative: nesting depth
 * is bounded only by the body limit.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new RegistryError(400, 'empty-body', 'the JSON body is empty', 'send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new RegistryError(
      400,
      'malformed-json',
      'the body is not valid JSON',
      'send a JSON object with content-type application/json',
    );
  }
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    const forbidden = Object.hasOwn(v, '__proto__')
      ? '__proto__'
      : Object.hasOwn(v, 'constructor') && Object.hasOwn(Object(v.constructor), 'prototype')
        ? 'constructor.prototype'
        : undefined;
    if (forbidden !== undefined)
      throw new RegistryError(
        400,
        'forbidden-key',
        `the JSON body has a "${forbidden}" key`,
        'send only the properties the schema lists',
      );
    for (const child of Object.values(v)) stack.push(child);
  }
  return value;
}

/** The onRequest hook that enforces a route's contract. */
export function contractHook(contract: RouteContract): onRequestHookHandler {
  return async (req) => {
    checkQuery(req.url, contract.query ?? {});
    checkBody(req, contract.body);
  };
}

/** Which methods each registered URL pattern answers, for 405 and its Allow header. */
export class MethodTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(method: string, url: string): void {
    const source = `^${url
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`;
    let route = this.routes.find((r) => r.pattern.source === source);
    if (!route) {
      route = { pattern: new RegExp(source), methods: new Set() };
      this.routes.push(route);
    }
    route.methods.add(method);
    if (method === 'GET') route.methods.add('HEAD');
  }

  /** The methods a path answers (empty: no route has this path). */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  }
}

const AWAITING_CONTINUE = Symbol('caravan.awaitingContinue');
const UNMET_EXPECTATION = Symbol('caravan.unmetExpectation');
type Marked = IncomingMessage & { [AWAITING_CONTINUE]?: boolean; [UNMET_EXPECTATION]?: boolean };

/**
 * `Expect: 100-continue`: Node answers `100 Continue` by itself unless the server handles
 * `checkContinue`. Here the request goes through fastify's hooks first (auth, 415, 413 on the
 * announced Content-Length) and `100 Continue` is written only when the body is about to be read;
 * a refused request gets its final answer instead. Any other expectation is a 417.
 */
export function installExpectContinue(app: FastifyInstance): void {
  const server = app.server;
  server.on('checkContinue', (req: Marked, res: ServerResponse) => {
    req[AWAITING_CONTINUE] = true;
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req: Marked, res: ServerResponse) => {
    req[UNMET_EXPECTATION] = true;
    server.emit('request', req, res);
  });
  app.addHook('onRequest', async (req) => {
    if ((req.raw as Marked)[UNMET_EXPECTATION])
      throw new RegistryError(
        417,
        'expectation-failed',
        `this registry cannot meet "Expect: ${String(req.headers.expect).slice(0, 60)}"`,
        'send no Expect header, or Expect: 100-continue',
      );
  });
  app.addHook('preParsing', async (req, reply, payload) => {
    const raw = req.raw as Marked;
    if (raw[AWAITING_CONTINUE] && hasBody(raw) && !reply.raw.headersSent) {
      raw[AWAITING_CONTINUE] = false;
      reply.raw.writeContinue();
    }
    return payload;
  });
}

/**
 * Requests fastify or Node would otherwise answer in their own shape: an HTTP/1.1 request without
 * Host (Node's bare 400; `requireHostHeader` is off so it arrives here), and requests that arrive
 * while the server closes (fastify's own 503; `return503OnClosing` is off).
 */
export function installGuards(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (closing) {
      void reply.header('connection', 'close');
      throw new RegistryError(503, 'shutting-down', 'the registry is shutting down', 'retry in a moment');
    }
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined)
      throw new RegistryError(400, 'missing-host', 'an HTTP/1.1 request needs a Host header', 'send Host: <server>');
  });
}

/**
 * Node's `requestTimeout` answers 408 to a request whose headers are late, but not to one whose
 * body stops coming once fastify has it: that one would hold its connection for ever. Here the
 * body gets what is left of the same deadline; when it runs out, the body stream fails with a 408
 * (answered in the documented shape, and the connection closes).
 */
export function installBodyDeadline(app: FastifyInstance, ms: number): void {
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!hasBody(req.raw) || req.raw.complete) return payload;
    const pass = new PassThrough();
    const timer = setTimeout(
      () => {
        payload.unpipe(pass);
        pass.destroy(
          new RegistryError(
            408,
            'request-timeout',
            `the request body did not arrive within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}`,
            'send the body without pausing; publish on a faster link',
          ),
        );
      },
      Math.max(1, ms - reply.elapsedTime),
    );
    timer.unref();
    payload.once('end', () => clearTimeout(timer));
    payload.once('error', (err: Error) => {
      clearTimeout(timer);
      pass.destroy(err);
    });
    // A client gone mid-body: end the request now rather than at the deadline.
    payload.once('close', () => {
      clearTimeout(timer);
      if (!req.raw.complete) pass.destroy(new Error('the client closed the connection mid-body'));
    });
    payload.pipe(pass);
    return pass;
  });
}
