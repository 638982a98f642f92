/**
 * The storefront in a real headless Chromium: search, open, copy, switch version, log in and out,
 * hostile READMEs inert, accessibility (axe-core) in light and dark, a phone-sized screen, and the
 * docs' screenshots (only with CARAVAN_SCREENSHOTS=1).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/page-shell/headers.js';
import { json } from '../helpers.js';
import { seedDocsStore } from './docs-store.js';
import { CHROMIUM, cspViolations, type Dom, launchBrowser, seriousAxeViolations, watch } from './browser.js';
import { HOSTILE_READMES } from './hostile-readmes.js';
import { startStorefront, type StorefrontServer } from './storefront-server.js';

const CHECKOUT_README = `# checkout

Checks out a Git repository into the step's workspace, at a branch, tag or commit.

## Example

\`\`\`yaml
- uses: caravan/checkout@^2
  with:
    repository: https://git.example.com/acme/app.git
\`\`\`

See [the guide](https://docs.example.com/checkout) for submodules and sparse checkouts.
`;

const CHECKOUT_YML = `category: source
inputs:
  repository:
    type: string
    required: true
    description: URL of the repository
  ref:
    type: string
    default: main
    description: Branch, tag or commit
  depth:
    type: number
    default: 1
  token:
    type: string
    secret: true
    description: Token for private repositories
  mode:
    type: string
    enum: [full, sparse]
    default: full
outputs:
  commit:
    type: string
    description: The commit checked out
`;

// The screenshots are always taken; with CARAVAN_SCREENSHOTS=1 they replace the docs' own.
const docsImages =
  process.env['CARAVAN_SCREENSHOTS'] === '1'
    ? join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/images')
    : mkdtempSync(join(tmpdir(), 'storefront-shots-'));
// Under CI (CARAVAN_REQUIRE_SERVICES=1) a missing Chromium fails the tests instead of skipping them.
const noChromium = !existsSync(CHROMIUM) && process.env['CARAVAN_REQUIRE_SERVICES'] !== '1';

describe.skipIf(noChromium)('storefront in Chromium', () => {
  let s: StorefrontServer;
  let browser: Browser;
  let context: BrowserContext;
  const serverErrors: string[] = [];

  beforeAll(async () => {
    s = await startStorefront(serverErrors);
    const root = s.tokens['root'] ?? '';
    for (const v of ['1.0.0', '1.1.0', '2.0.0'])
      await s.publish(root, 'caravan/checkout', v, { readme: CHECKOUT_README, extra: CHECKOUT_YML });
    await json(s.url, root, 'POST', '/v1/actions/caravan/checkout/-/versions/1.1.0/deprecate', {
      message: 'use 2.x',
    });
    await s.publish(root, 'caravan/shell', '1.0.0', {
      readme: '# shell\n\nRuns a script.',
      extra: 'category: build\n',
    });
    for (const [name, readme] of Object.entries(HOSTILE_READMES))
      await s.publish(root, `caravan/hostile-${name}`, '1.0.0', { readme });
    await s.publish(s.tokens['alice'] ?? '', 'acme/deploy', '1.0.0', {
      readme: '# deploy',
      extra: 'category: delivery\n',
    });
    browser = await launchBrowser();
    context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('searches from the home page, opens an action, copies its snippet and switches version', async () => {
    const page = await context.newPage();
    const seen = await watch(page);
    const home = await page.goto(`${s.url}/`);
    expect(home?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await page.fill('#home-search', 'checkout');
    await page.press('#home-search', 'Enter');
    await page.waitForURL(/\/search\?q=checkout/);
    await page.click('a.name:text-is("caravan/checkout")');
    await page.waitForURL(/\/actions\/caravan\/checkout$/);
    expect(await page.textContent('h1')).toContain('caravan/checkout 2.0.0');
    expect(await page.textContent('table')).toContain('repository');

    await page.click('button[data-copy]');
    await expect.poll(() => page.textContent('#copy-status')).toBe('Copied to the clipboard.');
    const copied = await page.evaluate(() => (globalThis as unknown as Dom).navigator.clipboard.readText());
    expect(copied).toBe('- uses: caravan/checkout@^2\n  with:\n    repository: <repository>');

    await page.selectOption('#version-select', '1.1.0');
    await page.click('form:has(#version-select) button');
    await page.waitForURL(/\/actions\/caravan\/checkout\/v\/1\.1\.0$/);
    expect(await page.textContent('h1')).toContain('1.1.0');
    expect(await page.textContent('main')).toContain('Version 1.1.0 is deprecated: use 2.x');
    expect(await page.textContent('#uses-snippet')).toContain('caravan/checkout@1.1.0');
    expect(seen).toEqual({ dialogs: [], consoleErrors: [], violations: [] });
    expect(await cspViolations(page)).toEqual([]);
    await page.close();
  });

  it('shows a private scope after logging in, and hides it again after logging out', async () => {
    const own = await browser.newContext();
    const page = await own.newPage();
    await page.goto(`${s.url}/search?q=deploy`);
    expect(await page.textContent('main')).not.toContain('acme/deploy');
    await page.click('text=Log in');
    await page.fill('#token', s.tokens['alice'] ?? '');
    await page.click('form[action="/-/login"] button');
    await page.waitForURL(/\/search\?q=deploy$/);
    expect(await page.textContent('main')).toContain('acme/deploy');
    expect(await page.textContent('header')).toContain('Signed in as alice');
    const [cookie] = await own.cookies();
    expect(cookie).toMatchObject({ name: 'caravan_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => (globalThis as unknown as Dom).document.cookie)).toBe('');
    expect(await page.content()).not.toContain(s.tokens['alice']);

    await page.click('text=Log out');
    await page.waitForURL(`${s.url}/`);
    expect(await own.cookies()).toEqual([]);
    await page.goto(`${s.url}/search?q=deploy`);
    expect(await page.textContent('main')).not.toContain('acme/deploy');
    expect((await page.goto(`${s.url}/actions/acme/deploy`))?.status()).toBe(404);
    await own.close();
  });

  for (const name of Object.keys(HOSTILE_READMES)) {
    it(`runs nothing from a hostile README (${name})`, async () => {
      const page = await context.newPage();
      const seen = await watch(page);
      const res = await page.goto(`${s.url}/actions/caravan/hostile-${name}`);
      expect(res?.status()).toBe(200);
      await page.waitForLoadState('load');
      const dom = await page.evaluate(() => {
        const { document, location, getComputedStyle } = globalThis as unknown as Dom;
        return {
          scripts: Array.from(document.scripts).map((el) => el.src.replace(location.origin, '')),
          frames: document.querySelectorAll('iframe, object, embed, frame').length,
          styled: document.querySelectorAll('[style], .readme style, .readme svg, .readme form').length,
          handlers: Array.from(document.querySelectorAll('*')).flatMap((el) =>
            Array.from(el.attributes)
              .filter((a) => a.name.startsWith('on'))
              .map((a) => `${el.tagName} ${a.name}`),
          ),
          badLinks: Array.from(document.querySelectorAll('a[href]'))
            .map((a) => a.protocol ?? '')
            .filter((p) => !['http:', 'https:', 'mailto:'].includes(p)),
          bodyVisible: getComputedStyle(document.body).display !== 'none',
        };
      });
      expect(dom.scripts).toEqual([expect.stringMatching(/^\/-\/static\/storefront\.[0-9a-f]+\.js$/)]);
      expect(dom).toMatchObject({ frames: 0, styled: 0, handlers: [], badLinks: [], bodyVisible: true });
      expect(seen).toEqual({ dialogs: [], consoleErrors: [], violations: [] });
      expect(await cspViolations(page)).toEqual([]);
      await page.close();
    });
  }

  it('moves focus to the content with the skip link, keyboard only', async () => {
    const page = await context.newPage();
    await page.goto(`${s.url}/actions/caravan/checkout`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.textContent)).toBe(
      'Skip to content',
    );
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.id)).toBe('main');
    await page.close();
  });

  const PAGES = [
    '/',
    '/search?q=checkout',
    '/search?category=source',
    '/actions/caravan/checkout',
    '/actions/caravan/checkout/v/1.1.0',
    '/scopes/caravan',
    '/-/login',
    '/actions/caravan/nothing-here',
    '/search?page=0',
  ];
  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violation on any page (${scheme})`, async () => {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      const found: string[] = [];
      for (const path of PAGES) {
        await page.goto(`${s.url}${path}`);
        for (const v of await seriousAxeViolations(page)) found.push(`${path}: ${v}`);
      }
      expect(found).toEqual([]);
      await page.close();
    }, 120_000);
  }

  it('fits a 375 px wide phone screen without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await phone.newPage();
    for (const path of ['/', '/search?q=checkout', '/actions/caravan/checkout', '/actions/caravan/hostile-table']) {
      await page.goto(`${s.url}${path}`);
      const width = await page.evaluate(() => (globalThis as unknown as Dom).document.documentElement.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(375);
    }
    await phone.close();
  });

  it('writes the docs screenshots from a seeded store', async () => {
    const docs = await startStorefront(serverErrors);
    try {
      await seedDocsStore(docs);
      mkdirSync(docsImages, { recursive: true });
      const shots = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await shots.newPage();
      await page.goto(`${docs.url}/`);
      await page.screenshot({ path: join(docsImages, 'storefront-home.png') });
      await page.goto(`${docs.url}/actions/caravan/checkout`);
      await page.screenshot({ path: join(docsImages, 'storefront-action.png'), fullPage: true });
      await shots.close();
      for (const png of ['storefront-home.png', 'storefront-action.png'])
        expect(readFileSync(join(docsImages, png)).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await docs.stop();
    }
  }, 60_000);

  it('logged no server error', () => {
    expect(serverErrors).toEqual([]);
  });
});
