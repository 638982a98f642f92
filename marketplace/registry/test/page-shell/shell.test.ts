/**
 * The shared page shell on its own: what a site gives it lands in the page escaped, the skip link
 * leads to the main landmark, and the markup keeps to what a strict CSP allows (no inline script,
 * style or event handler; assets only from /-/static/).
 */
import { describe, expect, it } from 'vitest';
import { contentAsset } from '../../src/page-shell/asset.js';
import { errorPage } from '../../src/page-shell/error-page.js';
import { loginPage } from '../../src/page-shell/login-page.js';
import { renderPage, type ShellSite } from '../../src/page-shell/shell.js';
import { html } from '../../src/page-shell/html.js';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;

const SITE: ShellSite = {
  name: 'Test & site',
  home: '/home',
  assets: {
    css: contentAsset('t', 'css', 'text/css', 'body{}'),
    js: contentAsset('t', 'js', 'text/javascript', ';'),
    icon: contentAsset('t-icon', 'svg', 'image/svg+xml', '<svg/>'),
  },
  logoutAction: '/bye',
  footer: html`<p>Footer</p>`,
};

/** The tags that would run script or style inline: a strict CSP blocks them, and a hostile value must not add one. */
function inlineCode(page: string): string[] {
  const tags = page.match(/<[a-z][^>]*>/gi) ?? [];
  return tags.filter((tag) => /^<style\b|^<script(?![^>]*\ssrc=)|\sstyle=|\son[a-z]+=|javascript:/i.test(tag));
}

describe('page shell', () => {
  it('escapes the title, the user, the detail and the notice', () => {
    const page = renderPage(
      SITE,
      { title: HOSTILE, body: html`<p>body</p>`, notice: HOSTILE },
      { user: HOSTILE, detail: HOSTILE, loginHref: '/in' },
    );
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain('<title>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('· Test &amp; site</title>');
    expect(page).toContain(
      '<strong>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</strong>',
    );
    expect(page).toContain('<p class="notice" role="status">&quot;&gt;&lt;script&gt;');
    expect(inlineCode(page)).toEqual([]);
  });

  it('starts with a skip link to the focusable main landmark, and has one of each landmark', () => {
    const page = renderPage(SITE, { title: 'T', body: html`<h1>T</h1>` }, { loginHref: '/in' });
    const body = page.slice(page.indexOf('<body>') + '<body>'.length).trimStart();
    expect(body.startsWith('<a class="skip" href="#main">Skip to content</a>')).toBe(true);
    expect(page.match(/<main id="main" tabindex="-1">/g)).toHaveLength(1);
    expect(page.match(/<header class="site">/g)).toHaveLength(1);
    expect(page.match(/<footer class="site">/g)).toHaveLength(1);
    expect(page).toMatch(/^<!doctype html>\s*<html lang="en">/);
  });

  it('links only its own content-addressed assets, with no inline code', () => {
    const page = renderPage(SITE, { title: 'T', body: html`` }, { loginHref: '/in' });
    const links = [...page.matchAll(/\s(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual([SITE.assets.css.path, SITE.assets.icon.path, SITE.assets.js.path, '#main', '/home', '/in']);
    for (const a of Object.values(SITE.assets)) expect(a.path).toMatch(/^\/-\/static\/[a-z-]+\.[0-9a-f]{12}\.[a-z]+$/);
    expect(page).toContain(`<script src="${SITE.assets.js.path}" defer></script>`);
    expect(inlineCode(page)).toEqual([]);
    expect(inlineCode('<p style="x"><script>a</script><a onclick="y" href="/">ok</a><script src="/s">')).toHaveLength(
      3,
    );
  });

  it('gives a content change a new asset path, and the same content the same one', () => {
    expect(contentAsset('a', 'css', 't', 'x').path).toBe(contentAsset('a', 'css', 't', 'x').path);
    expect(contentAsset('a', 'css', 't', 'x').path).not.toBe(contentAsset('a', 'css', 't', 'y').path);
  });

  it('shows a log-in link when logged out, and who is logged in with a log-out form otherwise', () => {
    const out = renderPage(SITE, { title: 'T', body: html`` }, { loginHref: '/in?next=%2Fx' });
    expect(out).toContain('<a href="/in?next=%2Fx">Log in</a>');
    expect(out).not.toContain('Log out');
    const inside = renderPage(SITE, { title: 'T', body: html`` }, { user: 'ana', detail: 'viewer', loginHref: '/in' });
    expect(inside).toContain('<span class="muted">Signed in as</span> <strong>ana</strong> (viewer)</li>');
    expect(inside).toMatch(
      /<form method="post" action="\/bye" class="inline">\s*<button type="submit" class="quiet">Log out<\/button>/,
    );
    expect(inside).not.toContain('>Log in<');
  });

  it('puts the nav slot between the brand and the account menu, and nothing when there is none', () => {
    const nav = html`<nav aria-label="Sections"><a href="/s">S</a></nav>`;
    const page = renderPage(SITE, { title: 'T', body: html``, nav }, { loginHref: '/in' });
    const brand = page.indexOf('<a class="brand" href="/home">Test &amp; site</a>');
    const sections = page.indexOf('aria-label="Sections"');
    const account = page.indexOf('aria-label="Account"');
    expect(brand).toBeGreaterThan(0);
    expect(sections).toBeGreaterThan(brand);
    expect(account).toBeGreaterThan(sections);
    expect(renderPage(SITE, { title: 'T', body: html`` }, { loginHref: '/in' })).not.toContain('Sections');
  });
});

describe('login page', () => {
  const form = { action: '/enter', label: 'Site token', intro: html`Paste a <code>token</code>.` };

  it('posts the token to the site with the way back, and never fills the token in', () => {
    const { title, body } = loginPage(form, HOSTILE);
    expect(title).toBe('Log in');
    expect(body.text).toContain('<form method="post" action="/enter">');
    expect(body.text).toContain('<label class="block" for="token">Site token</label>');
    expect(body.text).toContain('<p>Paste a <code>token</code>.</p>');
    expect(body.text).toContain('name="next" value="&quot;&gt;&lt;script&gt;');
    expect(body.text).toMatch(/type="password"\s+id="token"\s+name="token"\s+autocomplete="off"/);
    expect(body.text).not.toMatch(/name="token"[^>]*value=/);
    expect(body.text).not.toContain('aria-invalid');
  });

  it('says what was wrong, escaped, and ties the message to the field', () => {
    const { body } = loginPage(form, '/', `bad <b>token</b>`);
    expect(body.text).toContain(
      '<p class="notice error" role="alert" id="login-error">bad &lt;b&gt;token&lt;/b&gt;</p>',
    );
    expect(body.text).toContain('aria-describedby="login-error" aria-invalid="true"');
  });
});

describe('error page', () => {
  const back = html`<a href="/">Back</a>`;

  it('names the kind of problem by its status', () => {
    expect(errorPage({ status: 404, message: 'm' }, back).title).toBe('Not found');
    expect(errorPage({ status: 403, message: 'm' }, back).title).toBe('This request cannot be served');
    expect(errorPage({ status: 500, message: 'm' }, back).title).toBe('Something went wrong');
  });

  it('escapes the message and the hint, and leaves the way back as given', () => {
    const { body } = errorPage({ status: 400, message: HOSTILE, hint: `<i>hint</i>` }, back);
    expect(body.text).toContain('<p class="notice error" role="alert">&quot;&gt;&lt;script&gt;');
    expect(body.text).toContain('<p>&lt;i&gt;hint&lt;/i&gt;</p>');
    expect(body.text).toContain('<p><a href="/">Back</a></p>');
    expect(errorPage({ status: 400, message: 'm' }, back).body.text).not.toContain('<p></p>');
  });
});
