import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { RegistryError } from '../errors.js';
import { hasBody } from './body-rules.js';

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
