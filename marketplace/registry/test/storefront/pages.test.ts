/** Storefront pages over HTTP: headers, permissions, session cookie, CSRF, hostile input, page size. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/page-shell/headers.js';
import {
  CROSS_SITE_HEADERS,
  expectClearedCookie,
  expectSessionCookie,
  OFF_SITE_NEXT,
} from '../page-shell/session-checks.js';
import { buildTarball, json, publish, storeFactories } from '../helpers.js';
import { startStorefront, type StorefrontServer } from './storefront-server.js';

const PAGE_BUDGET = 50 * 1024;

describe.each(storeFactories.filter((f) => f.available))('storefront pages ($kind)', (factory) => {
  let s: StorefrontServer;
  const errors: string[] = [];
  let alice = '';
  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}${path}`, {
      redirect: 'manual',
      headers: { ...headers, ...(token ? { cookie: `caravan_session=${encodeURIComponent(token)}` } : {}) },
    });
  const post = (path: string, form: Record<string, string>, headers: Record<string, string>) =>
    fetch(`${s.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const sameOrigin = () => ({ origin: s.url, 'sec-fetch-site': 'same-origin' });

  beforeAll(async () => {
    s = await startStorefront(errors, factory);
    alice = s.tokens['alice'] ?? '';
    const root = s.tokens['root'] ?? '';
    await s.publish(root, 'caravan/checkout', '1.0.0', { readme: '# Checkout', extra: 'category: source\n' });
    await s.publish(alice, 'acme/deploy', '1.0.0', { readme: '# Deploy', extra: 'category: delivery\n' });
    const many = 'x'.repeat(2000);
    const inputs = Array.from(
      { length: 300 },
      (_, i) => `  in${i}:\n    type: string\n    description: ${'d'.repeat(900)}\n`,
    );
    const outputs = Array.from(
      { length: 300 },
      (_, i) => `  out${i}:\n    type: string\n    description: ${'o'.repeat(900)}\n`,
    );
    const longYml = `name: caravan/wordy\nversion: 1.0.0\ndescription: ${'w'.repeat(20_000)}\nruns:\n  command: echo\ninputs:\n${inputs.join('')}outputs:\n${outputs.join('')}`;
    const wordy = await buildTarball([
      { name: 'action.yml', content: longYml },
      { name: 'README.md', content: `| a | b |\n| - | - |\n${'| x | y |\n'.repeat(40_000)}` },
    ]);
    expect((await publish(s.url, root, 'caravan/wordy', '1.0.0', wordy)).status).toBe(201);
    await json(s.url, root, 'POST', '/v1/actions/caravan/wordy/-/versions/1.0.0/deprecate', {
      message: 'x'.repeat(2000),
    });
    for (let i = 0; i < 120; i++)
      await s.publish(root, 'caravan/many', `1.${i}.0`, { readme: `${'# big\n\n'}${`${many}\n\n`.repeat(260)}` });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('sends the strict CSP and its companion headers on pages and assets', async () => {
    for (const path of ['/', '/search?q=check', '/actions/caravan/checkout', '/-/login', '/actions/acme/nothing']) {
      const res = await get(path);
      expect(res.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    }
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    const page = await (await get('/')).text();
    const css = /href="(\/-\/static\/storefront\.[0-9a-f]+\.css)"/.exec(page)?.[1] ?? '';
    const asset = await get(css);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/css/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(page).not.toMatch(/<style|style=|<script>|\son[a-z]+=/i);
  });

  it('hides a private scope from anonymous readers everywhere, and shows it to its member', async () => {
    const anonymous = await Promise.all(['/', '/search?q=deploy', '/search?category=delivery'].map((p) => get(p)));
    for (const res of anonymous) expect(await res.text()).not.toContain('acme/deploy');
    const hidden = await get('/actions/acme/deploy');
    const missing = await get('/actions/acme/nothing');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await hidden.text()).toContain('does not exist, or you cannot read it');
    expect((await get('/scopes/acme')).status).toBe(404);
    expect((await get('/actions/acme/deploy/v/1.0.0')).status).toBe(404);
    for (const p of ['/', '/search?q=deploy', '/scopes/acme', '/actions/acme/deploy']) {
      const res = await get(p, alice);
      expect(res.status, p).toBe(200);
      const text = await res.text();
      expect(text, p).toContain('acme/deploy');
      expect(text, p).not.toContain(alice);
    }
  });

  it('shows a personal scope to its user only', async () => {
    await s.publish(s.tokens['eve'] ?? '', '~eve/notes', '1.0.0', { readme: '# notes' });
    const own = await get('/scopes/~eve', s.tokens['eve']);
    expect(own.status).toBe(200);
    const text = await own.text();
    expect(text).toContain('personal scope of eve');
    expect(text).toContain('~eve/notes');
    expect(text).toMatch(/<span class="badge">personal<\/span>/);
    for (const token of [undefined, alice]) {
      expect((await get('/scopes/~eve', token)).status).toBe(404);
      expect((await get('/actions/~eve/notes', token)).status).toBe(404);
      expect(await (await get('/search?q=notes', token)).text()).not.toContain('~eve/notes');
    }
  });

  it('logs in with a token into an HttpOnly SameSite=Strict cookie, and logs out', async () => {
    const res = await post('/-/login', { token: alice, next: '/scopes/acme' }, sameOrigin());
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/scopes/acme');
    expectSessionCookie(res, 'caravan_session', 'cvn_');
    const behindTls = await post(
      '/-/login',
      { token: alice },
      { origin: s.url.replace('http:', 'https:'), 'x-forwarded-proto': 'https' },
    );
    expectSessionCookie(behindTls, 'caravan_session', 'cvn_', true);
    const out = await post('/-/logout', {}, sameOrigin());
    expect(out.status).toBe(303);
    expectClearedCookie(out, 'caravan_session');
  });

  it('refuses a wrong token with a page that does not repeat it, and never redirects off-site', async () => {
    const wrong = 'cvn_notARealTokenAtAll123';
    const res = await post('/-/login', { token: wrong }, sameOrigin());
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('That token was refused');
    expect(text).not.toContain(wrong);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await post('/-/login', { token: '' }, sameOrigin())).status).toBe(400);
    for (const next of OFF_SITE_NEXT) {
      const r = await post('/-/login', { token: alice, next }, sameOrigin());
      expect(r.headers.get('location'), next).toBe('/');
    }
  });

  it('refuses POSTs from other sites or without origin information (CSRF)', async () => {
    for (const headers of CROSS_SITE_HEADERS) {
      for (const path of ['/-/login', '/-/logout']) {
        const res = await post(path, { token: alice }, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.headers.get('set-cookie')).toBeNull();
        expect(await res.text()).toContain('was not sent from a page of this registry');
      }
    }
  });

  it('ends a session whose token is no longer valid, and says so', async () => {
    const res = await get('/', 'cvn_revokedOrUnknownToken');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    const text = await res.text();
    expect(text).toContain('Your session ended');
    expect(text).not.toContain('cvn_revokedOrUnknownToken');
  });

  it('answers hostile and odd input with a 4xx or a page, never a 500', async () => {
    const paths = [
      "/search?q=' OR 1=1 --",
      '/search?q=%22foo%22%20NEAR(bar%20AND%20*)%20%5E%3A%3B',
      `/search?q=${'a'.repeat(10_000)}`,
      '/search?q=a&q=b&category=x&category=y',
      '/search?category=no-such-category',
      '/search?scope=nobody',
      '/search?scope=~',
      '/search?scope=%00',
      '/search?page=99999999',
      '/search?page=-1',
      '/search?page=1e3',
      '/actions/..%2F..%2Fetc',
      '/actions/a/b/c/d/e',
      '/actions/ACME/Lint',
      '/actions/caravan/checkout/v/not-a-version',
      '/actions/caravan/checkout/v/9.9.9',
      '/actions/%E2%80%AE/x',
      '/scopes/..',
      '/scopes/UPPER',
      '/scopes/a/b/c',
      '/scopes/nobody',
      '/-/login?next=%00',
    ];
    for (const path of paths) {
      const res = await get(path);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      const text = await res.text();
      expect(text.length, path).toBeLessThan(PAGE_BUDGET);
      expect(text, path).not.toContain('<script>');
    }
    expect((await get('/search?page=99999999')).status).toBe(400);
    expect((await get('/actions/a/b/c/d/e')).status).toBe(400);
    expect((await get('/actions/caravan/checkout/v/9.9.9')).status).toBe(404);
    const redirect = await get('/actions/caravan/checkout?version=%3Cscript%3E');
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('/actions/caravan/checkout/v/%3Cscript%3E');
    const form = await fetch(`${s.url}/-/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sameOrigin() },
      body: '{}',
    });
    expect(form.status).toBe(415);
    expect(form.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(errors).toEqual([]);
  });

  it('shows the resolutions of the last 30 days on the action page', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${s.url}/v1/actions/caravan/checkout/-/resolve?range=^1`);
    await s.registry.resolutions.flush();
    const page = await (await get('/actions/caravan/checkout')).text();
    expect(page).toMatch(/<dt>Resolved in the last 30 days<\/dt>\s*<dd>3<\/dd>/);
  });

  it('keeps every page under 50 KB of HTML, even with 120 versions and a 512 KB README', async () => {
    const paths = ['/', '/search', '/search?q=wordy', '/actions/caravan/many', '/actions/caravan/many/v/1.3.0'];
    for (const path of [...paths, '/scopes/caravan', '/actions/caravan/wordy']) {
      const res = await get(path, s.tokens['root']);
      expect(res.status, path).toBe(200);
      const text = await res.text();
      expect(Buffer.byteLength(text), path).toBeLessThanOrEqual(PAGE_BUDGET);
    }
    const page = await (await get('/actions/caravan/many')).text();
    expect(page).toContain('The README is longer than this page shows');
    expect(page).toContain('90 older versions are not listed here');
    expect(page).toContain('- uses: caravan/many@^1');
    const wordy = await (await get('/actions/caravan/wordy')).text();
    expect(wordy).toContain('270 more inputs are in the action');
    expect(wordy).toContain('270 more outputs are in the action');
  });
});
