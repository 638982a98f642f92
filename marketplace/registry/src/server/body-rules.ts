/** Whether a route takes a body, of which media type and how large: checked before a byte is read. */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../errors.js';

export const TARBALL_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

/** `none`: no body at all; `json`: a JSON body is required; `optional-json`: a JSON body or none. */
export type BodyKind = 'none' | 'json' | 'optional-json' | 'tarball';

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

export function checkBody(req: FastifyRequest, kind: BodyKind): void {
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
