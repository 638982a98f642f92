import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { RegistryError } from '../errors.js';
import { hasBody } from './body-rules.js';

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
