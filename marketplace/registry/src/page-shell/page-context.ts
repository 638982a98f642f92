/**
 * The plumbing of a site's pages in their own fastify context: form bodies, the security headers
 * of every answer, the static assets, errors answered as pages, and how a page is sent.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ShellAssets } from './asset.js';
import type { PageProblem } from './error-page.js';

export interface PageContextOptions {
  /** The largest form body, in bytes. */
  formLimit: number;
  /** Sets the security headers (the CSP and its companions) of every answer. */
  headers(reply: FastifyReply): void;
  assets: ShellAssets;
  /** A refusal of the site's own (its error class) as a problem to show; undefined for anything else. */
  known(err: Error): PageProblem | undefined;
  /** What a page that failed says (and where the site logs it). */
  failed(req: FastifyRequest, err: Error): PageProblem;
  /** The whole error page for a problem, in the site's shell, for the request's viewer. */
  errorPage(req: FastifyRequest, problem: PageProblem): string;
}

/** Pages are never cached: they show what the session may read. */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/** A field of a form body, as the context's parser leaves it. */
export function formField(body: unknown, key: string): string | undefined {
  return body instanceof URLSearchParams ? (body.get(key) ?? undefined) : undefined;
}

export function preparePages(pages: FastifyInstance, options: PageContextOptions): void {
  pages.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: options.formLimit },
    (_req, body, done) => done(null, new URLSearchParams(body as string)),
  );
  pages.addHook('onRequest', async (_req, reply) => options.headers(reply));
  pages.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    const problem =
      options.known(err) ??
      (status >= 400 && status < 500
        ? { status, message: `the request was refused (HTTP ${status})`, hint: 'go back and try again' }
        : options.failed(req, err));
    return sendPage(reply, problem.status, options.errorPage(req, problem));
  });
  for (const a of Object.values(options.assets))
    pages.get(a.path, async (_req, reply) =>
      reply.type(a.type).header('cache-control', 'public, max-age=31536000, immutable').send(a.body),
    );
}
