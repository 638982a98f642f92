/**
 * The storefront's routes, in their own fastify context: HTML pages, the login form, static
 * assets; errors answered as pages (the JSON API keeps its own error handler). Pages read only
 * through the registry's and catalog's permission-checked methods, with the session's principal.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { CatalogHome } from '../catalog/types.js';
import { RegistryError } from '../errors.js';
import { parseActionName, parseScope } from '../names.js';
import { EpochCache } from '../read-cache.js';
import type { Registry } from '../registry.js';
import { redactTokens } from '../server/error-handler.js';
import { formField, preparePages, sendPage } from '../page-shell/page-context.js';
import { ASSETS } from './assets.js';
import { securityHeaders } from '../page-shell/headers.js';
import { layout, type PageContent, type Viewer } from './layout.js';
import { actionPage } from './pages/action.js';
import { errorPage } from './pages/error.js';
import { homePage } from './pages/home.js';
import { loginPage } from './pages/login.js';
import { scopePage } from './pages/scope.js';
import { catalogQuery, searchPage, searchParams } from './pages/search.js';
import { actionHref } from './parts.js';
import { cachedReadme } from './readme.js';
import { localPath } from '../page-shell/session.js';
import { clearSession, requireSameOrigin, sessionToken, setSession } from './session.js';

const FORM_LIMIT = 4096;
const VIEWER = Symbol('caravan.viewer');
type WithViewer = FastifyRequest & { [VIEWER]?: Viewer };

interface Session {
  principal: Principal;
  viewer: Viewer;
}

/** Unreadable and nonexistent look the same to a reader: both are this 404. */
function hidden(what: string): RegistryError {
  return new RegistryError(
    404,
    'not-found',
    `${what} does not exist, or you cannot read it`,
    'check the spelling; if it is private, log in with a token that can read it',
  );
}

function asNotFound(err: unknown, what: string): unknown {
  return err instanceof RegistryError && [401, 403, 404].includes(err.status) ? hidden(what) : err;
}

function send(reply: FastifyReply, status: number, page: PageContent, viewer: Viewer): FastifyReply {
  return sendPage(reply, status, layout(page, viewer));
}

export function installStorefront(app: FastifyInstance, registry: Registry, logError: (line: string) => void): void {
  const catalog = registry.catalog;
  // The home page's data depends only on what the reader may read, which user and token fix until the next write.
  const homes = new EpochCache<CatalogHome>(1000);
  const home = async (p: Principal): Promise<CatalogHome> =>
    homes.getOrLoad(`${p.user}\0${p.tokenId}`, await registry.store.changeEpoch(), () => catalog.home(p));
  const session = async (req: FastifyRequest, reply: FastifyReply): Promise<Session> => {
    const viewer: Viewer = { user: '', here: localPath(req.url) };
    (req as WithViewer)[VIEWER] = viewer;
    const token = sessionToken(req);
    if (token !== undefined) {
      try {
        const principal = await registry.principal(`Bearer ${token}`);
        viewer.user = principal.user;
        return { principal, viewer };
      } catch (err) {
        if (!(err instanceof RegistryError) || err.status !== 401) throw err;
        clearSession(req, reply);
        viewer.notice = 'Your session ended: its token is no longer valid. Log in again to see private scopes.';
      }
    }
    return { principal: await registry.principal(undefined), viewer };
  };

  void app.register(async (pages) => {
    preparePages(pages, {
      formLimit: FORM_LIMIT,
      headers: securityHeaders,
      assets: ASSETS,
      known: (err) => (err instanceof RegistryError ? err : undefined),
      failed: (req, err) => {
        logError(
          `registry: ${req.method} ${redactTokens(req.url).slice(0, 300)}: page failed: ${redactTokens(err.message)}`,
        );
        return {
          status: 500,
          message: 'the registry failed to build this page',
          hint: `retry; the operator can find request ${req.id} in the log`,
        };
      },
      errorPage: (req, problem) => layout(errorPage(problem), (req as WithViewer)[VIEWER] ?? { user: '', here: '/' }),
    });

    pages.get('/', async (req, reply) => {
      const { principal, viewer } = await session(req, reply);
      return send(reply, 200, homePage(await home(principal)), viewer);
    });

    pages.get('/search', async (req, reply) => {
      const { principal, viewer } = await session(req, reply);
      const params = searchParams(req.query as Record<string, unknown>);
      return send(reply, 200, searchPage(params, await catalog.search(principal, catalogQuery(params))), viewer);
    });

    pages.get('/actions/*', async (req, reply) => {
      const { principal, viewer } = await session(req, reply);
      const parts = ((req.params as { '*': string })['*'] ?? '').split('/');
      const exact = parts.length >= 4 && parts[parts.length - 2] === 'v';
      const rawName = (exact ? parts.slice(0, -2) : parts).join('/');
      const name = parseActionName(rawName);
      const wanted = (req.query as Record<string, unknown>)['version'];
      if (!exact && typeof wanted === 'string' && wanted !== '')
        return reply.redirect(actionHref(name.full, wanted.slice(0, 256)), 303);
      try {
        const list = await registry.versions(principal, name.full);
        const live = list.versions;
        const latest =
          list.distTags['latest'] ?? [...live].reverse().find((v) => !v.yanked)?.version ?? live.at(-1)?.version;
        const version = exact ? (parts.at(-1) ?? '') : (latest ?? '');
        const detail = await registry.version(principal, name.full, version);
        const readme = detail.readme === undefined ? undefined : cachedReadme(detail.integrity, detail.readme);
        const view = {
          name,
          distTags: list.distTags,
          versions: live,
          detail,
          exact,
          resolutions30d: await catalog.resolutions(principal, name.full, 30),
          ...(readme ? { readme } : {}),
        };
        return send(reply, 200, actionPage(view), viewer);
      } catch (err) {
        throw asNotFound(err, exact ? `${name.full}@${(parts.at(-1) ?? '').slice(0, 100)}` : `action ${name.full}`);
      }
    });

    pages.get('/scopes/*', async (req, reply) => {
      const { principal, viewer } = await session(req, reply);
      const scope = (req.params as { '*': string })['*'] ?? '';
      parseScope(scope);
      try {
        return send(reply, 200, scopePage(scope, await catalog.scopeActions(principal, scope)), viewer);
      } catch (err) {
        throw asNotFound(err, `scope ${scope}`);
      }
    });

    pages.get('/-/login', async (req, reply) => {
      const { viewer } = await session(req, reply);
      const next = (req.query as Record<string, unknown>)['next'];
      return send(reply, 200, loginPage(localPath(typeof next === 'string' ? next : undefined)), viewer);
    });

    pages.post('/-/login', async (req, reply) => {
      requireSameOrigin(req);
      if (!(req.body instanceof URLSearchParams))
        throw new RegistryError(
          415,
          'unsupported-media-type',
          'the login form is sent as application/x-www-form-urlencoded',
          'log in with the form on this page',
        );
      const next = localPath(formField(req.body, 'next'));
      const token = (formField(req.body, 'token') ?? '').trim();
      const viewer: Viewer = { user: '', here: next };
      if (token === '' || /\s/.test(token))
        return send(reply, 400, loginPage(next, 'Paste a registry token (it starts with cvn_).'), viewer);
      try {
        await registry.principal(`Bearer ${token}`);
      } catch (err) {
        if (!(err instanceof RegistryError) || err.status !== 401) throw err;
        return send(reply, 401, loginPage(next, `That token was refused: ${err.message}.`), viewer);
      }
      setSession(req, reply, token);
      return reply.header('cache-control', 'no-store').redirect(next, 303);
    });

    pages.post('/-/logout', async (req, reply) => {
      requireSameOrigin(req);
      clearSession(req, reply);
      return reply.header('cache-control', 'no-store').redirect('/', 303);
    });
  });
}
