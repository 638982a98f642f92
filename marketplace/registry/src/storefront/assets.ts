/** The storefront's static assets: its stylesheet, script and icon, under content-addressed paths. */
import { contentAsset, type ShellAssets } from '../page-shell/asset.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { STYLESHEET } from './style.js';

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M7 21h18l-3-8H10z" fill="#fff"/></svg>`;

export const ASSETS: ShellAssets = {
  css: contentAsset('storefront', 'css', 'text/css; charset=utf-8', STYLESHEET),
  js: contentAsset('storefront', 'js', 'text/javascript; charset=utf-8', CLIENT_SCRIPT),
  icon: contentAsset('icon', 'svg', 'image/svg+xml', ICON),
};
