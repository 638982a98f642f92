/** The run pages' static assets: their stylesheet, script and icon, under content-addressed paths. */
import { contentAsset, type ShellAssets } from '@caravan/registry';
import { RUN_PAGES_SCRIPT } from './client-script.js';
import { RUN_PAGES_STYLESHEET } from './style.js';

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M6 22h20M9 22l4-10 4 6 3-4 4 8" stroke="#fff" stroke-width="2.5" fill="none"/></svg>`;

export const ASSETS: ShellAssets = {
  css: contentAsset('runs', 'css', 'text/css; charset=utf-8', RUN_PAGES_STYLESHEET),
  js: contentAsset('runs', 'js', 'text/javascript; charset=utf-8', RUN_PAGES_SCRIPT),
  icon: contentAsset('runs-icon', 'svg', 'image/svg+xml', ICON),
};
