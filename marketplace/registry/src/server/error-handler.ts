/**
 * Every failure becomes `{"error":{"code","message","hint"}}`. Client mistakes keep their 4xx
 * status with a message of our own wording (parser messages can quote the body, and a body can
 * hold a token); anything else is a 500 that names no internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { RegistryError } from '../errors.js';

const KNOWN: Record<string, { code: string; message: string; hint: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'body-too-large',
    message: 'the request body is larger than this registry accepts',
    hint: 'JSON bodies are limited to 64 KB and tarballs to the compressed-size limit (see GET /v1/openapi.json)',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported-media-type',
    message: 'this content-type is not accepted here',
    hint: 'send application/json, or application/gzip for a tarball',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'empty-body', message: 'the JSON body is empty', hint: 'send a JSON object' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad-content-length',
    message: 'content-length does not match the body',
    hint: 'send the body in full',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'malformed-json',
    message: 'the body is not valid JSON',
    hint: 'send a JSON object with content-type application/json',
  },
};

/** Hides anything that looks like a registry token. */
export function redactTokens(text: string): string {
  return text.replace(/cvn_[A-Za-z0-9_-]+/g, 'cvn_***');
}

export function installErrorHandler(app: FastifyInstance, logError: (line: string) => void): void {
  app.setErrorHandler((err: FastifyError | RegistryError | Error, req, reply) => {
    if (err instanceof RegistryError) return reply.code(err.status).send(err.toJSON());
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'request';
      const detail = fe.validation
        .slice(0, 5)
        .map((v) => `${where}${v.instancePath || ''} ${v.message ?? 'is invalid'}`)
        .join('; ');
      return reply
        .code(400)
        .send(
          new RegistryError(
            400,
            'invalid-request',
            redactTokens(detail),
            'see the request schema in GET /v1/openapi.json',
          ).toJSON(),
        );
    }
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const known = fe.code ? KNOWN[fe.code] : undefined;
      if (known)
        return reply.code(status).send(new RegistryError(status, known.code, known.message, known.hint).toJSON());
      if (err instanceof SyntaxError) {
        const k = KNOWN['FST_ERR_CTP_INVALID_JSON_BODY'];
        return reply
          .code(400)
          .send(new RegistryError(400, k?.code ?? 'malformed-json', k?.message ?? 'malformed JSON', k?.hint).toJSON());
      }
      return reply
        .code(status)
        .send(
          new RegistryError(
            status,
            'bad-request',
            `the request was rejected (${fe.code ?? status})`,
            'check the method, headers and body against GET /v1/openapi.json',
          ).toJSON(),
        );
    }
    logError(`registry: ${req.method} ${redactTokens(req.url)}: internal error: ${redactTokens(err.message)}`);
    return reply.code(500).send({
      error: {
        code: 'internal',
        message: 'the registry failed to handle this request',
        hint: `retry; if it persists, the operator can find request ${req.id} in the server log`,
      },
    });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send(
        new RegistryError(
          404,
          'no-route',
          `no route ${req.method} ${redactTokens(req.url.split('?')[0] ?? '').slice(0, 200)}`,
          'action URLs end their name with /-/, e.g. /v1/actions/acme/lint/-/versions; see GET /v1/openapi.json',
        ).toJSON(),
      );
  });
}
