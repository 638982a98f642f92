/**
 * Every failure becomes `{"error":{"code","message","hint"}}` with content-type application/json:
 * registry errors, fastify's own (body parsing, schema validation, bad URLs, 404/405), and what
 * Node's HTTP parser refuses before fastify sees a request (written on the socket here). Client
 * mistakes keep their 4xx status with a message of our own wording (parser messages can quote the
 * body, and a body can hold a token); anything else is a 500 that names no internals. Anything
 * that looks like a token is hidden from every message.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../errors.js';
import type { MethodTable } from './method-table.js';

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

interface Known {
  status: number;
  code: string;
  message: string;
  hint: string;
}

const SEE_SPEC = 'see GET /v1/openapi.json';

/** fastify's error codes, answered in our words. */
const FASTIFY: Record<string, Known> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body-too-large',
    message: 'the request body is larger than this registry accepts',
    hint: 'JSON bodies are limited to 64 KB and tarballs to the compressed-size limit (see GET /v1/openapi.json)',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    message: 'this content-type is not accepted here',
    hint: 'send application/json, or application/gzip for a tarball',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'empty-body',
    message: 'the JSON body is empty',
    hint: 'send a JSON object',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad-content-length',
    message: 'content-length does not match the body',
    hint: 'send the body in full',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'malformed-json',
    message: 'the body is not valid JSON',
    hint: 'send a JSON object with content-type application/json',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid-url',
    message: 'the URL path has a malformed percent-encoding',
    hint: 'encode each path segment with %XX (UTF-8)',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'uri-too-long',
    message: 'a segment of the URL path is longer than 300 characters',
    hint: 'names, versions, tags and token ids are much shorter: check the URL',
  },
};

const MALFORMED: Known = {
  status: 400,
  code: 'malformed-request',
  message: 'the request is not valid HTTP/1.1 (request line, header syntax or body framing)',
  hint: 'send a well-formed HTTP/1.1 request',
};

/** What Node's HTTP parser refuses (`clientError`), by error code. */
const PARSER: Record<string, Known> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request-timeout',
    message: 'the request was not received in time',
    hint: 'send the headers and body without pausing; publish on a faster link',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers-too-large',
    message: 'the request line and headers are larger than 16 KB',
    hint: 'shorten the URL (query strings included) and the headers',
  },
  HPE_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad-content-length',
    message: 'Content-Length is not a number',
    hint: 'send one Content-Length with the body size in bytes',
  },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    code: 'bad-content-length',
    message: 'Content-Length is sent more than once, or together with Transfer-Encoding',
    hint: 'send one Content-Length, or Transfer-Encoding: chunked alone',
  },
  HPE_INVALID_TRANSFER_ENCODING: {
    status: 400,
    code: 'bad-transfer-encoding',
    message: 'Transfer-Encoding is not valid, or is sent together with Content-Length',
    hint: 'send Transfer-Encoding: chunked alone, or one Content-Length',
  },
  HPE_INVALID_CHUNK_SIZE: {
    status: 400,
    code: 'bad-transfer-encoding',
    message: 'a chunk of the chunked body is malformed',
    hint: 'send a well-formed chunked body, or a Content-Length',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 400,
    code: 'bad-transfer-encoding',
    message: 'the chunk extensions of the body are too large',
    hint: 'send a chunked body without extensions',
  },
  HPE_INVALID_METHOD: malformed('the request line does not start with an HTTP method'),
  HPE_INVALID_VERSION: malformed('the request line does not end with HTTP/1.1 (or HTTP/1.0) and CRLF'),
  HPE_INVALID_URL: malformed('the request target holds characters a URL cannot hold'),
  HPE_INVALID_HEADER_TOKEN: malformed('a header name or value holds characters HTTP does not allow'),
  HPE_PAUSED_H2_UPGRADE: malformed('HTTP/2 with prior knowledge is not served here'),
};

function malformed(message: string): Known {
  return { ...MALFORMED, message };
}

/** Hides anything that looks like a registry token. */
export function redactTokens(text: string): string {
  return text.replace(/cvn_[A-Za-z0-9_-]+/g, 'cvn_***');
}

/** The documented error body, with tokens hidden from its message and hint. */
export function errorBody(code: string, message: string, hint?: string): ErrorBody {
  return {
    error:
      hint === undefined
        ? { code, message: redactTokens(message) }
        : { code, message: redactTokens(message), hint: redactTokens(hint) },
  };
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  // A body left unread (refused before parsing) is not drained: the connection closes instead.
  if (!reply.request.raw.complete) reply.header('connection', 'close');
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

function sendKnown(reply: FastifyReply, k: Known): FastifyReply {
  return send(reply, k.status, errorBody(k.code, k.message, k.hint));
}

function pathOf(req: FastifyRequest): string {
  return redactTokens(req.url.split('?')[0] ?? '').slice(0, 200);
}

/** fastify's `frameworkErrors`: a bad percent-encoding or an overlong segment in the URL path. */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  void sendKnown(reply, FASTIFY[err.code] ?? { ...MALFORMED, message: 'the URL could not be routed' });
}

const answered = new WeakSet<Socket>();

/**
 * fastify's `clientErrorHandler`: Node's parser refused the bytes, so there is no request object;
 * the answer is written on the socket, which then closes.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const k = (err.code !== undefined ? PARSER[err.code] : undefined) ?? MALFORMED;
  const body = JSON.stringify(errorBody(k.code, k.message, k.hint));
  socket.end(
    `HTTP/1.1 ${k.status} ${STATUS_CODES[k.status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // Let the peer read the answer before the socket goes (closing at once can reset it), but not for long.
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** `CONNECT host:port`: this is not a proxy. Node hands over the socket; the answer is written on it. */
export function refuseConnect(socket: Duplex): void {
  const body = JSON.stringify(
    errorBody('method-not-allowed', 'CONNECT is not supported: this registry is not a proxy', SEE_SPEC),
  );
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 2000).unref();
}

export function installErrorHandler(
  app: FastifyInstance,
  logError: (line: string) => void,
  methods: MethodTable,
): void {
  app.setErrorHandler((err: FastifyError | RegistryError | Error, req, reply) => {
    if (err instanceof RegistryError)
      return send(
        reply,
        err.status,
        errorBody(
          err.code,
          err.message,
          err.hint ??
            (err.code.startsWith('tarball-')
              ? 'fix the package (caravan action pack builds a valid one) and publish again'
              : SEE_SPEC),
        ),
      );
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'request';
      const detail = fe.validation
        .slice(0, 5)
        .map((v) => `${where}${v.instancePath || ''} ${v.message ?? 'is invalid'}`)
        .join('; ');
      return send(reply, 400, errorBody('invalid-request', detail, 'see the request schema in GET /v1/openapi.json'));
    }
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const known = fe.code ? FASTIFY[fe.code] : undefined;
      if (known) return sendKnown(reply, known);
      if (err instanceof SyntaxError) return sendKnown(reply, FASTIFY['FST_ERR_CTP_INVALID_JSON_BODY'] as Known);
      return send(
        reply,
        status,
        errorBody(
          'bad-request',
          `the request was rejected (${fe.code ?? status})`,
          'check the method, headers and body against GET /v1/openapi.json',
        ),
      );
    }
    logError(`registry: ${req.method} ${redactTokens(req.url)}: internal error: ${redactTokens(err.message)}`);
    return send(
      reply,
      500,
      errorBody(
        'internal',
        'the registry failed to handle this request',
        `retry; if it persists, the operator can find request ${req.id} in the server log`,
      ),
    );
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allow = methods.allowed(path);
    if (allow.length > 0) {
      void reply.header('allow', allow.join(', '));
      return send(
        reply,
        405,
        errorBody(
          'method-not-allowed',
          `${req.method.slice(0, 20)} is not allowed on ${pathOf(req)}`,
          `this path answers ${allow.join(', ')}; see GET /v1/openapi.json`,
        ),
      );
    }
    return send(
      reply,
      404,
      errorBody(
        'no-route',
        `no route ${req.method.slice(0, 20)} ${pathOf(req)}`,
        'action URLs end their name with /-/, e.g. /v1/actions/acme/lint/-/versions; see GET /v1/openapi.json',
      ),
    );
  });
}
