import type { FastifyInstance } from 'fastify';
import { RegistryError } from '../errors.js';

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
