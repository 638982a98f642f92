/**
 * One headless Chromium per test file (Debian's, never a download), and what the page tests watch
 * in it: dialogs, console errors and CSP violations, collected per page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CARAVAN_CHROMIUM'] ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

/**
 * The few browser globals the tests' in-page functions use. The project compiles without the DOM
 * library (it is a Node project), so in-page code reads them through `globalThis as unknown as Dom`.
 */
export interface DomElement {
  tagName: string;
  id: string;
  textContent: string | null;
  attributes: ArrayLike<{ name: string }>;
  protocol?: string;
  src?: string;
}
export interface Dom {
  document: {
    scripts: ArrayLike<{ src: string }>;
    querySelectorAll(selector: string): ArrayLike<DomElement>;
    activeElement: DomElement | null;
    documentElement: { scrollWidth: number };
    body: unknown;
    cookie: string;
    addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void;
  };
  location: { origin: string };
  getComputedStyle(element: unknown): { display: string };
  navigator: { clipboard: { readText(): Promise<string> } };
  __violations?: string[];
  axe?: { run(): Promise<{ violations: AxeViolation[] }> };
}

export interface Watched {
  dialogs: string[];
  consoleErrors: string[];
  violations: string[];
}

/** Records anything a page does that a hostile README might cause; read with `violations(page)`. */
export async function watch(page: Page): Promise<Watched> {
  const seen: Watched = { dialogs: [], consoleErrors: [], violations: [] };
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') seen.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => seen.consoleErrors.push(e.message));
  await page.addInitScript(() => {
    const dom = globalThis as unknown as Dom;
    const list: string[] = [];
    dom.__violations = list;
    dom.document.addEventListener('securitypolicyviolation', (e) =>
      list.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return seen;
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as Dom).__violations ?? []);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's serious and critical violations on the page. The script is evaluated through the
 * DevTools protocol, which the page's CSP does not govern (a <script> tag would be refused).
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as Dom).axe;
    return axe
      ? (await axe.run()).violations
      : [{ id: 'axe-missing', impact: 'critical', help: 'axe did not load', nodes: [] }];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}
