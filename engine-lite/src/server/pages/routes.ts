/**
 * The run pages of `caravan server`, in their own fastify context: login with a server token
 * (cookie session), the runs list, a run's page with its live streams, the queue, and the runner's
 * form actions, which call the same service methods as the API. Every page needs a session; a
 * viewer sees everything read-only, and a form POST needs the runner role and this origin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formField, localPath, preparePages, sendPage } from '@caravan/registry';
import type { Clock } from '../../clock.js';
import { ApiError, notFound } from '../api-error.js';
import { parseQueueCursor } from '../queue-view.js';
import { listRuns, runDetail } from '../run-views.js';
import type { Role, ServerStore, TokenRecord } from '../server-store.js';
import type { EngineService } from '../service.js';
import { RunStreams } from '../streams.js';
import { roleAllows, tokenSha } from '../tokens.js';
import { ASSETS } from './assets.js';
import { runPageHeaders } from './headers.js';
import { layout, type PageContent, type Viewer } from './layout.js';
import { followRunLogs, parseFrom } from './log-follow.js';
import { EndedRunTails, linesByStep } from './log-tail.js';
import { queuePage } from './queue-page.js';
import { runPage } from './run-page.js';
import { runsPage, runsQuery } from './runs-page.js';
import { clearSession, requireSameOrigin, sessionToken, setSession } from './session.js';
import { errorPage, loginPage } from './simple-pages.js';

const FORM_LIMIT = 8192;
/** Runs listed on a page of /runs, and queued runs on a page of /queue. */
const RUNS_PER_PAGE = 50;
const VIEWER = Symbol('caravan.runPagesViewer');
type WithViewer = FastifyRequest & { [VIEWER]?: Viewer };

/** The notices a form action leads to (fixed texts: nothing from the request is reflected). */
const DONE: Record<string, string> = {
  cancel: 'Cancel requested: the run is stopping.',
  rerun: 'This run reruns the failed steps of the one before; the succeeded steps keep their results.',
  approve: 'Approved: the step goes on.',
  reject: 'Rejected: the step fails.',
};

export interface RunPagesParts {
  service: EngineService;
  server: ServerStore;
  streams: RunStreams;
  clock: Clock;
  logPollMs?: number;
}

function send(reply: FastifyReply, status: number, page: PageContent, viewer: Viewer): FastifyReply {
  return sendPage(reply, status, layout(page, viewer));
}

const closed = (reply: FastifyReply) => new Promise<void>((r) => reply.raw.once('close', () => r()));

export function installRunPages(app: FastifyInstance, parts: RunPagesParts): void {
  const { service, server, streams } = parts;
  const tails = new EndedRunTails();
  const principalOf = (req: FastifyRequest): TokenRecord | undefined => {
    const token = sessionToken(req);
    return token === undefined ? undefined : server.tokenBySha(tokenSha(token));
  };
  /** The session's principal, or undefined after a redirect to the login page. */
  const page = (req: FastifyRequest, reply: FastifyReply): TokenRecord | undefined => {
    const principal = principalOf(req);
    (req as WithViewer)[VIEWER] = principal ? { name: principal.name, role: principal.role } : {};
    if (principal) return principal;
    if (sessionToken(req) !== undefined) clearSession(req, reply);
    void reply.redirect(`/login?next=${encodeURIComponent(localPath(req.url))}`, 303);
    return undefined;
  };
  /** For streams and form actions: no redirect, a refusal. */
  const need = (req: FastifyRequest, role: Role): TokenRecord => {
    const principal = principalOf(req);
    (req as WithViewer)[VIEWER] = principal ? { name: principal.name, role: principal.role } : {};
    if (!principal) throw new ApiError(401, 'unauthenticated', 'you are not logged in', 'log in at /login');
    if (!roleAllows(principal.role, role))
      throw new ApiError(
        403,
        'forbidden',
        `this needs the role ${role}; you are logged in as "${principal.name}" (${principal.role})`,
        `log in with a token that has the role ${role}`,
      );
    return principal;
  };
  const viewerOf = (req: FastifyRequest): Viewer => (req as WithViewer)[VIEWER] ?? {};
  const runOr404 = async (id: string) => {
    const run = await service.store.getRun(id);
    if (!run) throw notFound(`no run ${id.slice(0, 80)}`, 'pick a run from the runs list');
    return run;
  };

  void app.register(async (pages) => {
    preparePages(pages, {
      formLimit: FORM_LIMIT,
      headers: runPageHeaders,
      assets: ASSETS,
      known: (err) => (err instanceof ApiError ? err : undefined),
      failed: (req) => ({
        status: 500,
        message: 'the server failed to build this page',
        hint: `retry; request ${req.id}`,
      }),
      errorPage: (req, problem) => layout(errorPage(problem), viewerOf(req)),
    });

    pages.get('/', async (_req, reply) => reply.redirect('/runs', 303));

    pages.get('/login', async (req, reply) => {
      const principal = principalOf(req);
      const viewer: Viewer = principal ? { name: principal.name, role: principal.role } : {};
      const next = (req.query as Record<string, unknown>)['next'];
      return send(reply, 200, loginPage(localPath(typeof next === 'string' ? next : undefined)), viewer);
    });

    pages.post('/login', async (req, reply) => {
      requireSameOrigin(req);
      const next = localPath(formField(req.body, 'next'));
      const token = (formField(req.body, 'token') ?? '').trim();
      if (token === '' || /\s/.test(token))
        return send(reply, 400, loginPage(next, 'Paste a server token (it starts with cvs_).'), {});
      const principal = server.tokenBySha(tokenSha(token));
      if (!principal) return send(reply, 401, loginPage(next, 'That token is unknown or revoked.'), {});
      setSession(req, reply, token);
      return reply.header('cache-control', 'no-store').redirect(next === '/' ? '/runs' : next, 303);
    });

    pages.post('/logout', async (req, reply) => {
      requireSameOrigin(req);
      clearSession(req, reply);
      return reply.header('cache-control', 'no-store').redirect('/login', 303);
    });

    pages.get('/runs', async (req, reply) => {
      if (!page(req, reply)) return reply;
      const q = runsQuery(req.query as Record<string, unknown>);
      const list = await listRuns(service.store, { ...q, limit: RUNS_PER_PAGE });
      return send(reply, 200, runsPage(q, list), viewerOf(req));
    });

    pages.get('/queue', async (req, reply) => {
      if (!page(req, reply)) return reply;
      const cursor = (req.query as Record<string, unknown>)['cursor'];
      const at = typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
      const list = await service.queuePage(RUNS_PER_PAGE, parseQueueCursor(at));
      return send(reply, 200, queuePage(service.maxRuns, list, at), viewerOf(req));
    });

    pages.get('/runs/:id', async (req, reply) => {
      const principal = page(req, reply);
      if (!principal) return reply;
      const { id } = req.params as { id: string };
      const detail = await runDetail(service.store, await runOr404(id), await service.entry(id));
      const ended = ['success', 'failed', 'cancelled', 'error'].includes(detail.status);
      const logs = await tails.get(
        id,
        ended,
        (limit) => service.store.getRunLogTails(id, limit),
        detail.steps.map((s) => s.id),
      );
      const done = DONE[String((req.query as Record<string, unknown>)['done'])];
      const canAct = roleAllows(principal.role, 'runner');
      return send(reply, 200, runPage({ run: detail, logs, canAct, ...(done ? { done } : {}) }), viewerOf(req));
    });

    pages.get('/runs/:id/steps/:step/log.txt', async (req, reply) => {
      need(req, 'viewer');
      const { id, step } = req.params as { id: string; step: string };
      await runOr404(id);
      const lines = linesByStep(await service.store.getLogs(id, step)).get(step) ?? [];
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(lines.map((l) => `${l.text}\n`).join(''));
    });

    pages.get('/runs/:id/live/events', async (req, reply) => {
      need(req, 'viewer');
      const { id } = req.params as { id: string };
      await runOr404(id);
      const gone = closed(reply);
      reply.hijack();
      RunStreams.startSse(reply.raw);
      await streams.events(id, reply.raw, gone);
    });

    pages.get('/runs/:id/live/logs', async (req, reply) => {
      need(req, 'viewer');
      const { id } = req.params as { id: string };
      await runOr404(id);
      const from = parseFrom((req.query as Record<string, string | undefined>)['from']);
      const gone = closed(reply);
      reply.hijack();
      RunStreams.startSse(reply.raw);
      await followRunLogs(
        { store: service.store, clock: parts.clock, streams, pollMs: parts.logPollMs ?? 250 },
        id,
        from,
        reply.raw,
        gone,
      );
    });

    pages.post('/runs/:id/cancel', async (req, reply) => {
      requireSameOrigin(req);
      need(req, 'runner');
      const { id } = req.params as { id: string };
      await service.cancel(id);
      return reply.redirect(`/runs/${encodeURIComponent(id)}?done=cancel`, 303);
    });

    pages.post('/runs/:id/rerun', async (req, reply) => {
      requireSameOrigin(req);
      need(req, 'runner');
      const { id } = req.params as { id: string };
      const run = await service.rerun(id, true);
      return reply.redirect(`/runs/${encodeURIComponent(run.id)}?done=rerun`, 303);
    });

    pages.post('/runs/:id/steps/:step/approve', async (req, reply) => {
      requireSameOrigin(req);
      const principal = need(req, 'runner');
      const { id, step } = req.params as { id: string; step: string };
      const decision = formField(req.body, 'decision');
      if (decision !== 'approve' && decision !== 'reject')
        throw new ApiError(
          400,
          'invalid-form',
          'the decision must be approve or reject',
          'use the buttons on the run page',
        );
      const comment = (formField(req.body, 'comment') ?? '').slice(0, 2000);
      await service.approve(id, step, {
        reject: decision === 'reject',
        ...(comment ? { comment } : {}),
        by: principal.name,
      });
      return reply.redirect(`/runs/${encodeURIComponent(id)}?done=${decision}`, 303);
    });
  });
}
