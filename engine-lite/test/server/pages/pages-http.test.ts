/**
 * The run pages over HTTP, without a browser: the strict CSP and its companions, the login
 * session's cookie (HttpOnly, SameSite=Strict, Secure behind https), login refusals that never
 * repeat the token, CSRF refusals, the shell around every page, and read permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CROSS_SITE_HEADERS,
  expectClearedCookie,
  expectSessionCookie,
  OFF_SITE_NEXT,
} from '../../../../marketplace/registry/test/page-shell/session-checks.js';
import { RUN_PAGES_CSP } from '../../../src/server/pages/headers.js';
import { startPagesServer, type PagesServer } from './run-pages-server.js';

describe('run pages over HTTP', () => {
  let s: PagesServer;
  const get = (path: string, token?: string) =>
    fetch(`${s.running.url}${path}`, {
      redirect: 'manual',
      headers: token ? { cookie: `caravan_engine_session=${encodeURIComponent(token)}` } : {},
    });
  const post = (path: string, form: Record<string, string>, headers: Record<string, string>) =>
    fetch(`${s.running.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const sameOrigin = () => ({ origin: s.running.url, 'sec-fetch-site': 'same-origin' });

  beforeAll(async () => {
    s = await startPagesServer();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('sends the strict CSP (plus connect-src for the live streams) on pages, assets and errors', async () => {
    const login = await get('/login');
    const html = await login.text();
    const assets = [...html.matchAll(/(?:href|src)="(\/-\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(3);
    for (const [path, token] of [
      ['/login', undefined],
      ['/runs', s.viewer],
      ['/queue', s.viewer],
      ['/runs/nope-1', s.viewer],
      ...assets.map((a) => [a, undefined] as const),
    ] as const) {
      const res = await get(path, token);
      expect(res.status, path).toBe(path === '/runs/nope-1' ? 404 : 200);
      expect(res.headers.get('content-security-policy'), path).toBe(RUN_PAGES_CSP);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('cache-control'), path).toBe(
        path.startsWith('/-/static/') ? 'public, max-age=31536000, immutable' : 'no-store',
      );
    }
    expect(RUN_PAGES_CSP).toContain("script-src 'self'");
    expect(RUN_PAGES_CSP).toContain("connect-src 'self'");
  });

  it('wraps every page in the shell: title, skip link, brand, sections only when logged in', async () => {
    const anon = await (await get('/login')).text();
    expect(anon).toContain('<title>Log in · Caravan server</title>');
    expect(anon).toContain('<a class="skip" href="#main">Skip to content</a>');
    expect(anon).toContain('<main id="main" tabindex="-1">');
    expect(anon).toContain('<a class="brand" href="/runs">Caravan server</a>');
    expect(anon).toContain('<a href="/login">Log in</a>');
    expect(anon).not.toContain('aria-label="Sections"');
    expect(anon).not.toMatch(/<script>|\sstyle="|\son[a-z]+="/);
    const runs = await (await get('/runs', s.viewer)).text();
    expect(runs).toContain('<title>Runs · Caravan server</title>');
    expect(runs).toContain('aria-label="Sections"');
    expect(runs).toMatch(/Signed in as<\/span> <strong>watcher<\/strong> \(viewer\)/);
    expect(runs).toContain('<form method="post" action="/logout"');
  });

  it('sends a reader without a session, or with a stale one, to the login page', async () => {
    const none = await get('/runs?status=failed');
    expect(none.status).toBe(303);
    expect(none.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/runs?status=failed')}`);
    const stale = await get('/queue', 'cvs_revokedOrUnknownToken');
    expect(stale.status).toBe(303);
    expectClearedCookie(stale, 'caravan_engine_session');
    expect((await get('/runs/x/live/events')).status).toBe(401);
  });

  it('logs in with a token into an HttpOnly SameSite=Strict cookie, and logs out', async () => {
    const res = await post('/login', { token: s.viewer, next: '/queue' }, sameOrigin());
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/queue');
    expectSessionCookie(res, 'caravan_engine_session', 'cvs_');
    const behindTls = await post(
      '/login',
      { token: s.viewer },
      { origin: s.running.url.replace('http:', 'https:'), 'x-forwarded-proto': 'https' },
    );
    expect(behindTls.headers.get('location')).toBe('/runs');
    expectSessionCookie(behindTls, 'caravan_engine_session', 'cvs_', true);
    const out = await post('/logout', {}, sameOrigin());
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expectClearedCookie(out, 'caravan_engine_session');
  });

  it('refuses a wrong or empty token with a page that does not repeat it, and never redirects off-site', async () => {
    const wrong = 'cvs_notARealTokenAtAll123';
    const res = await post('/login', { token: wrong }, sameOrigin());
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('That token is unknown or revoked.');
    expect(text).toContain('aria-invalid="true"');
    expect(text).not.toContain(wrong);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await post('/login', { token: '' }, sameOrigin())).status).toBe(400);
    expect((await post('/login', { token: 'two words' }, sameOrigin())).status).toBe(400);
    for (const next of OFF_SITE_NEXT) {
      const r = await post('/login', { token: s.viewer, next }, sameOrigin());
      expect(r.headers.get('location'), next).toBe('/runs');
    }
  });

  it('refuses login and logout POSTs from other sites or without origin information (CSRF)', async () => {
    for (const headers of CROSS_SITE_HEADERS)
      for (const path of ['/login', '/logout']) {
        const res = await post(path, { token: s.runner }, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.headers.get('set-cookie')).toBeNull();
        const text = await res.text();
        expect(text).toContain('this form was not sent from a page of this server');
        expect(text).toContain('<title>This request cannot be served · Caravan server</title>');
        expect(text).not.toContain(s.runner);
      }
  });

  it('answers an odd form with a 4xx page, never a 500', async () => {
    const big = await post('/login', { token: 'x'.repeat(20_000) }, sameOrigin());
    expect(big.status).toBe(413);
    expect(await big.text()).toContain('the request was refused (HTTP 413)');
    const json = await fetch(`${s.running.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sameOrigin() },
      body: '{"token": 1}',
    });
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
  });
});
