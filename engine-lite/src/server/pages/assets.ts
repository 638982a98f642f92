/** The run pages' static assets under content-addressed paths (`/-/static/<name>.<hash>.<ext>`). */
import { createHash } from 'node:crypto';
import { RUN_PAGES_SCRIPT } from './client-script.js';
import { RUN_PAGES_STYLESHEET } from './style.js';

export interface Asset {
  path: string;
  type: string;
  body: string;
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M6 22h20M9 22l4-10 4 6 3-4 4 8" stroke="#fff" stroke-width="2.5" fill="none"/></svg>`;

function asset(name: string, ext: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/-/static/${name}.${hash}.${ext}`, type, body };
}

export const ASSETS = {
  css: asset('runs', 'css', 'text/css; charset=utf-8', RUN_PAGES_STYLESHEET),
  js: asset('runs', 'js', 'text/javascript; charset=utf-8', RUN_PAGES_SCRIPT),
  icon: asset('runs-icon', 'svg', 'image/svg+xml', ICON),
};
