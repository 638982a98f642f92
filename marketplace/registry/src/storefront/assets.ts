/**
 * Static assets under content-addressed paths (`/-/static/<name>.<hash>.<ext>`), so they can be
 * cached for ever and a new build changes their URL.
 */
import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client-script.js';
import { STYLESHEET } from './style.js';

export interface Asset {
  path: string;
  type: string;
  body: string;
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M7 21h18l-3-8H10z" fill="#fff"/></svg>`;

function asset(name: string, ext: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/-/static/${name}.${hash}.${ext}`, type, body };
}

export const ASSETS = {
  css: asset('storefront', 'css', 'text/css; charset=utf-8', STYLESHEET),
  js: asset('storefront', 'js', 'text/javascript; charset=utf-8', CLIENT_SCRIPT),
  icon: asset('icon', 'svg', 'image/svg+xml', ICON),
};
