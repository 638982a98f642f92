/**
 * The run pages in a real headless Chromium against a real server: login, the runs list, a run
 * watched live (status and log lines arrive without reload), ANSI colours and hostile log text,
 * cancel, rerun-failed, a viewer's read-only pages and forged POSTs, accessibility in light and
 * dark, and a bounded page for a 10 MB log. Screenshots for the docs only with CARAVAN_SCREENSHOTS=1.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  cspViolations,
  launchBrowser,
  seriousAxeViolations,
  watch,
} from '../../../../marketplace/registry/test/storefront/browser.js';
import { startPagesServer, type PagesServer } from './run-pages-server.js';

const screenshots = process.env['CARAVAN_SCREENSHOTS'] === '1';
const docsImages = join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/images');

function gatedPipeline(gate: string): string {
  return [
    'version: "1"',
    'name: deploy-web',
    'steps:',
    '  - id: build',
    '    run: |',
    "      printf '\\033[32mcompiled\\033[0m 12 modules\\n'",
    '  - id: wait-gate',
    '    needs: [build]',
    '    run: |',
    '      echo first-line',
    `      while [ ! -f ${gate} ]; do sleep 0.1; done`,
    "      printf '\\033[1;31mred alert\\033[0m <script>alert(1)</script><img src=x onerror=alert(2)>\\n'",
    '      echo after-gate',
    '  - id: publish',
    '    needs: [wait-gate]',
    '    run: echo published',
  ].join('\n');
}

// Under CI (CARAVAN_REQUIRE_SERVICES=1) a missing Chromium fails the tests instead of skipping them.
describe.skipIf(!existsSync(CHROMIUM) && process.env['CARAVAN_REQUIRE_SERVICES'] !== '1')(
  'run pages in Chromium',
  () => {
    let s: PagesServer;
    let browser: Browser;
    let runnerCtx: BrowserContext;

    async function login(ctx: BrowserContext, token: string): Promise<Page> {
      const page = await ctx.newPage();
      await page.goto(`${s.running.url}/runs`);
      expect(page.url()).toContain('/login?next=');
      await page.fill('#token', token);
      await page.click('button[type=submit]:has-text("Log in")');
      await page.waitForURL(/\/runs$/);
      return page;
    }

    beforeAll(async () => {
      s = await startPagesServer();
      browser = await launchBrowser();
      runnerCtx = await browser.newContext();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await s?.close();
    });

    it('no session: every page leads to the login page; a bad token is refused there', async () => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      for (const path of ['/runs', '/queue', '/runs/r1-abc']) {
        await page.goto(`${s.running.url}${path}`);
        expect(new URL(page.url()).pathname).toBe('/login');
        await expect(page.locator('h1').textContent()).resolves.toBe('Log in');
      }
      await page.fill('#token', 'cvs_not-a-real-token');
      await page.click('button[type=submit]:has-text("Log in")');
      await expect(page.locator('#login-error').textContent()).resolves.toContain('unknown or revoked');
      const live = await fetch(`${s.running.url}/runs/anything/live/logs`);
      expect(live.status).toBe(401);
      await ctx.close();
    });

    it('watches a run live: a step turns from running to success and its log lines arrive without reload', async () => {
      const gate = join(s.data, 'gate-live');
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline: gatedPipeline(gate), labels: { team: 'web' } }))
        .body;
      await s.api.waitFor(id, (r) => r.steps.find((x) => x.id === 'wait-gate')?.status === 'running');
      const page = await login(runnerCtx, s.runner);
      const seen = await watch(page);
      await expect(page.locator(`a[href="/runs/${id}"]`).count()).resolves.toBe(1);
      let navigations = 0;
      page.on('framenavigated', () => navigations++);
      await page.click(`a[href="/runs/${id}"]`);
      await page.waitForURL(new RegExp(`/runs/${id}$`));
      navigations = 0;
      const node = page.locator('svg.dag g[data-step="wait-gate"]');
      await expect(node.getAttribute('class')).resolves.toContain('st-running');
      const log = page.locator('pre.log[data-log-step="wait-gate"]');
      // Shown by the page, or arriving on its live stream if the agent had not reported it yet.
      await log.locator('text=first-line').waitFor({ timeout: 30_000 });
      writeFileSync(gate, '');
      await page.locator('svg.dag g[data-step="wait-gate"].st-success').waitFor({ timeout: 30_000 });
      await log.locator('text=after-gate').waitFor({ timeout: 30_000 });
      await page.locator('#run-status.st-success').waitFor({ timeout: 30_000 });
      expect(navigations).toBe(0);
      // ANSI colours as fixed classes; the hostile text is text, inert.
      await expect(log.locator('span.a-fg1.a-b').first().textContent()).resolves.toBe('red alert');
      await expect(log.textContent()).resolves.toContain('<script>alert(1)</script><img src=x onerror=alert(2)>');
      await expect(log.locator('script, img').count()).resolves.toBe(0);
      expect(seen.dialogs).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
      // Reloaded, the same text is rendered by the server the same way.
      await page.reload();
      await expect(log.locator('span.a-fg1.a-b').first().textContent()).resolves.toBe('red alert');
      await expect(page.locator('pre.log[data-log-step="build"] span.a-fg2').textContent()).resolves.toBe('compiled');
      await expect(log.locator('script, img').count()).resolves.toBe(0);
      expect(seen.dialogs).toEqual([]);
      expect(seen.consoleErrors).toEqual([]);
      if (screenshots) {
        mkdirSync(docsImages, { recursive: true });
        await page.setViewportSize({ width: 1100, height: 900 });
        await page.screenshot({ path: join(docsImages, 'run-page.png'), fullPage: false });
      }
      await page.close();
    }, 120_000);

    it('the runs list filters by status, pipeline and label', async () => {
      const page = await runnerCtx.newPage();
      await page.goto(`${s.running.url}/runs?label=team%3Dweb`);
      await expect(page.locator('tbody tr').count()).resolves.toBeGreaterThan(0);
      await page.goto(`${s.running.url}/runs?label=team%3Dnobody`);
      await expect(page.locator('main').textContent()).resolves.toContain('No run matches');
      await page.goto(`${s.running.url}/runs?pipeline=deploy-web&status=success`);
      await expect(page.locator('tbody tr').count()).resolves.toBeGreaterThan(0);
      // Paging: a cursor (the last run of the page before) shows only older runs.
      await page.goto(`${s.running.url}/runs`);
      const newest = (await page.locator('tbody tr a').first().textContent())!;
      await page.goto(`${s.running.url}/runs?cursor=${newest}`);
      await expect(page.locator(`tbody a[href="/runs/${newest}"]`).count()).resolves.toBe(0);
      await expect(page.locator('a:has-text("Newest runs")').count()).resolves.toBe(1);
      await page.goto(`${s.running.url}/runs?cursor=${encodeURIComponent('<bad>')}`);
      await expect(page.locator('.notice.error').textContent()).resolves.toContain('is not a run id');
      await page.goto(`${s.running.url}/runs?label=nokey`);
      await expect(page.locator('.notice.error').textContent()).resolves.toContain('must be key=value');
      await page.close();
    });

    it('cancels a run from its page', async () => {
      const pipeline = 'version: "1"\nname: long\nsteps:\n  - id: wait\n    run: "sleep 300"\n';
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline })).body;
      await s.api.waitFor(id, (r) => r.steps[0]?.status === 'running');
      const page = await runnerCtx.newPage();
      await page.goto(`${s.running.url}/runs/${id}`);
      await page.click('button:has-text("Cancel run")');
      await expect(page.locator('.notice[role=status]').first().textContent()).resolves.toContain('Cancel requested');
      await page.locator('#run-status.st-cancelled').waitFor({ timeout: 30_000 });
      expect((await s.api.waitEnd(id)).status).toBe('cancelled');
      await page.close();
    }, 60_000);

    it('reruns the failed steps of a run from its page', async () => {
      const flag = join(s.data, 'fail-once');
      writeFileSync(flag, '');
      const pipeline = [
        'version: "1"',
        'name: flaky',
        'steps:',
        '  - id: make',
        '    run: echo made',
        '  - id: check',
        '    needs: [make]',
        `    run: if [ -f ${flag} ]; then rm ${flag}; exit 3; fi`,
      ].join('\n');
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline })).body;
      expect((await s.api.waitEnd(id)).status).toBe('failed');
      const page = await runnerCtx.newPage();
      await page.goto(`${s.running.url}/runs/${id}`);
      await page.click('button:has-text("Rerun failed steps")');
      await page.waitForURL(/\?done=rerun$/);
      const newId = new URL(page.url()).pathname.split('/').at(-1)!;
      expect(newId).not.toBe(id);
      await expect(page.locator('main').textContent()).resolves.toContain(`Rerun of ${id}`);
      expect((await s.api.waitEnd(newId)).status).toBe('success');
      await page.close();
    }, 60_000);

    it('approves a waiting caravan/approval step from its page, with a comment', async () => {
      const pipeline = [
        'version: "1"',
        'name: gated',
        'steps:',
        '  - id: gate',
        '    uses: caravan/approval@^1',
        '    with:',
        '      message: Deploy to production?',
        '      interval: 0.1',
      ].join('\n');
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline })).body;
      await s.api.waitFor(id, (r) => r.steps[0]?.status === 'running');
      const page = await runnerCtx.newPage();
      await page.goto(`${s.running.url}/runs/${id}`);
      await page.fill('input[name=comment]', 'ship it');
      await page.click('button:has-text("Approve gate")');
      await expect(page.locator('.notice[role=status]').first().textContent()).resolves.toContain('Approved');
      const ended = await s.api.waitEnd(id);
      expect(ended.status).toBe('success');
      expect((ended.steps[0] as unknown as { outputs: Record<string, string> }).outputs).toMatchObject({
        decision: 'approved',
        by: 'ops',
        comment: 'ship it',
      });
      await page.close();
    }, 60_000);

    it('a viewer sees no buttons, and forged POSTs are refused (403)', async () => {
      const pipeline = 'version: "1"\nname: long\nsteps:\n  - id: wait\n    run: "sleep 300"\n';
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline })).body;
      await s.api.waitFor(id, (r) => r.steps[0]?.status === 'running');
      const ctx = await browser.newContext();
      const page = await login(ctx, s.viewer);
      await page.goto(`${s.running.url}/runs/${id}`);
      await expect(page.locator('main form[method=post]').count()).resolves.toBe(0);
      await expect(page.locator('main button').count()).resolves.toBe(0);
      // The viewer's own session, from this page: the role is refused.
      const fromPage = await page.evaluate(
        async (path) => (await fetch(path, { method: 'POST', body: new URLSearchParams() })).status,
        `/runs/${id}/cancel`,
      );
      expect(fromPage).toBe(403);
      // A runner's session cookie sent from another origin (no Sec-Fetch-Site: same-origin): refused.
      const forged = await fetch(`${s.running.url}/runs/${id}/cancel`, {
        method: 'POST',
        headers: {
          cookie: `caravan_engine_session=${s.runner}`,
          origin: 'https://evil.example',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: '',
      });
      expect(forged.status).toBe(403);
      expect((await s.api.call('GET', `/v1/runs/${id}`)).body.status).toBe('running');
      await s.api.call('POST', `/v1/runs/${id}/cancel`);
      await s.api.waitEnd(id);
      await ctx.close();
    }, 60_000);

    it("a run's secret appears in no page, stream or log text (masked before it was stored)", async () => {
      const secret = 'pa55-w0rd-page-xyz';
      const pipeline = [
        'version: "1"',
        'name: secretive',
        'secrets: [API_TOKEN]',
        'steps:',
        '  - id: use',
        '    run: echo "the token is $API_TOKEN"; exit 2',
      ].join('\n');
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline, secrets: { API_TOKEN: secret } })).body;
      await s.api.waitEnd(id);
      const headers = { cookie: `caravan_engine_session=${s.runner}` };
      for (const path of [`/runs/${id}`, `/runs/${id}/steps/use/log.txt`, `/runs/${id}/live/logs`, '/runs']) {
        const text = await (await fetch(`${s.running.url}${path}`, { headers })).text();
        expect(text, path).toContain(path.includes('/runs/') ? 'the token is' : id);
        expect(text, path).not.toContain(secret);
      }
    }, 60_000);

    it('live streams that drop leave nothing open; an unknown run is a 404 page', async () => {
      const pipeline = 'version: "1"\nname: long\nsteps:\n  - id: wait\n    run: "sleep 300"\n';
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline })).body;
      await s.api.waitFor(id, (r) => r.steps[0]?.status === 'running');
      const headers = { cookie: `caravan_engine_session=${s.viewer}` };
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const abort = new AbortController();
          const path = i % 2 ? `/runs/${id}/live/logs?from=wait:0,bad` : `/runs/${id}/live/events`;
          const res = await fetch(`${s.running.url}${path}`, { headers, signal: abort.signal });
          expect(res.status).toBe(200);
          abort.abort();
        }),
      );
      const until = Date.now() + 10_000;
      while (s.running.streams.open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(s.running.streams.open).toBe(0);
      const missing = await fetch(`${s.running.url}/runs/nope-123/live/logs`, { headers });
      expect(missing.status).toBe(404);
      const page = await fetch(`${s.running.url}/runs/nope-123`, { headers });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('no run nope-123');
      await s.api.call('POST', `/v1/runs/${id}/cancel`);
      await s.api.waitEnd(id);
    }, 60_000);

    it('a 10 MB log still gives a small page: its tail, and the whole log as text', async () => {
      const pipeline = [
        'version: "1"',
        'name: loud',
        'steps:',
        '  - id: spew',
        '    run: |',
        '      yes "a fairly long line of build output that repeats itself over and over" | head -c 10000000',
        '      echo last-line',
      ].join('\n');
      const { id } = (await s.api.call('POST', '/v1/runs', { pipeline })).body;
      await s.api.waitEnd(id, 180_000);
      const cookie = `caravan_engine_session=${s.runner}`;
      const page = await fetch(`${s.running.url}/runs/${id}`, { headers: { cookie } });
      const text = await page.text();
      expect(page.status).toBe(200);
      expect(text.length).toBeLessThan(200_000);
      expect(text).toContain('last-line');
      expect(text).toMatch(/The first \d+ lines are not shown here/);
      const whole = await fetch(`${s.running.url}/runs/${id}/steps/spew/log.txt`, { headers: { cookie } });
      expect((await whole.text()).length).toBeGreaterThan(9_000_000);
    }, 240_000);

    for (const scheme of ['light', 'dark'] as const)
      it(`has no serious or critical axe violation on each page (${scheme})`, async () => {
        const { runs } = (await s.api.call('GET', '/v1/runs?status=success&limit=1')).body as unknown as {
          runs: { id: string }[];
        };
        const page = await runnerCtx.newPage();
        await page.emulateMedia({ colorScheme: scheme });
        for (const path of ['/runs', '/queue', `/runs/${runs[0]!.id}`]) {
          await page.goto(`${s.running.url}${path}`);
          expect(await seriousAxeViolations(page), `${path} (${scheme})`).toEqual([]);
        }
        const anon = await browser.newPage();
        await anon.emulateMedia({ colorScheme: scheme });
        await anon.goto(`${s.running.url}/login`);
        expect(await seriousAxeViolations(anon), `/login (${scheme})`).toEqual([]);
        await anon.close();
        await page.close();
      }, 60_000);
  },
);
