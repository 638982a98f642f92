/**
 * One line per request, after the answer: time, client address, user, method, path, status,
 * duration and size. The Authorization header is never written, nor a token in the URL; a token
 * that names no user shows as `-`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { redactTokens } from './error-handler.js';

export function installAccessLog(
  app: FastifyInstance,
  write: (line: string) => void,
  userOf: (req: FastifyRequest) => Promise<string | undefined>,
): void {
  app.addHook('onResponse', async (req, reply) => {
    let user: string | undefined;
    try {
      user = await userOf(req);
    } catch {
      user = undefined;
    }
    const size = reply.getHeader('content-length');
    const ms = reply.elapsedTime.toFixed(1);
    write(
      `${new Date().toISOString()} ${req.ip} ${user ?? '-'} ${req.method} ${redactTokens(req.url)} ${reply.statusCode} ${ms}ms ${size ?? '-'}`,
    );
  });
}
